import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { InvalidationQueue, MAX_QUEUED_PATH_BYTES } from '../shared/invalidation-queue.ts';
import { createEnqueueInvalidationTask } from './task.ts';

const local = useLocalDynamo();

/** The queue's clock: a path's first version is the time of its first request, in ms. */
const T = Date.UTC(2030, 0, 1);

const PATHS = ['/demo/a.jpg?fmt=webp&q=75&w=640', '/demo/a.jpg?fmt=avif&q=75&w=640'];

async function setup() {
  const queue = await local.queue(() => new Date(T));
  const task = createEnqueueInvalidationTask({ queue });
  const { runtime, metric } = await local.runtime();
  return { queue, task, handler: task(runtime), metric };
}

describe('enqueue-invalidation', () => {
  it('queues each path once per request, however often the request is replayed', async () => {
    const { queue, handler, metric } = await setup();
    const results = await replay(handler, { paths: PATHS, requestId: 'takedown-1' });
    expect(results).toEqual(Array(3).fill({ enqueued: 2, alreadyQueued: 0 }));
    expect(await queue.drain()).toEqual(expect.arrayContaining(PATHS.map((path) => ({ path, version: T }))));
    expect(metric('InvalidationPathsEnqueued')).toBe(2);
  });

  it('counts paths already queued by this request as such past the idempotency TTL', async () => {
    const { queue, task, handler } = await setup();
    await handler({ paths: PATHS, requestId: 'takedown-1', executionName: 'e' });
    const { runtime } = await local.runtime();
    expect(await task(runtime)({ paths: PATHS, requestId: 'takedown-1', executionName: 'redrive' })).toEqual({ enqueued: 0, alreadyQueued: 2 });
    expect((await queue.drain()).map((item) => item.version)).toEqual([T, T]);
  });

  it('adds a new request for a queued path to the same item, with a new version', async () => {
    const { queue, handler } = await setup();
    await handler({ paths: [PATHS[0]], requestId: 'replace:demo/a.jpg@e1', executionName: 'e1' });
    expect(await handler({ paths: [PATHS[0], PATHS[0]], requestId: 'takedown-1', executionName: 'e2' })).toEqual({ enqueued: 1, alreadyQueued: 0 });
    expect(await queue.drain()).toEqual([{ path: PATHS[0], version: T + 1 }]);
  });

  it('accepts no paths (an original without variants) and refuses a path that is not one', async () => {
    const { handler } = await setup();
    expect(await handler({ paths: [], requestId: 'r', executionName: 'e' })).toEqual({ enqueued: 0, alreadyQueued: 0 });
    await expect(handler({ paths: ['demo/a.jpg'], requestId: 'r2', executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
  });

  it(`refuses a path longer than MAX_QUEUED_PATH_BYTES (${MAX_QUEUED_PATH_BYTES}), the longest key DynamoDB takes, and queues none of the request's paths`, async () => {
    const { queue, handler } = await setup();
    const longest = '/'.padEnd(MAX_QUEUED_PATH_BYTES, 'x');
    await expect(handler({ paths: [PATHS[0], `${longest}x`], requestId: 'r', executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(await queue.drain()).toEqual([]);
    expect(await handler({ paths: [longest], requestId: 'r2', executionName: 'e' })).toEqual({ enqueued: 1, alreadyQueued: 0 });
  });

  it('fails with StoreUnavailable (retried) while the queue table is throttled', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo).rejects(new ThrottlingException({ message: 'throttled', $metadata: {} }));
    const handler = createEnqueueInvalidationTask({ queue: new InvalidationQueue(dynamo, 'queue') })((await local.runtime()).runtime);
    await expect(handler({ paths: PATHS, requestId: 'takedown-1', executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
