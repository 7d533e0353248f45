import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { InvalidationQueue, MAX_QUEUE_ID_LENGTH } from '../shared/invalidation-queue.ts';
import { createMarkInvalidationSubmittedTask } from './task.ts';

const local = useLocalDynamo();

/** The queue's clock: a path's first version is the time of its first request, in ms. */
const T = Date.UTC(2030, 0, 1);
const items = [{ path: '/demo/a.jpg?fmt=webp&q=75', version: T }, { path: '/demo/b.jpg*', version: T }];
const input = { batchId: 'inv-1', invalidationId: 'I1', items };

async function setup() {
  const queue = await local.queue(() => new Date(T));
  for (const item of items) await queue.enqueue(item.path, 'r1');
  await queue.claim('inv-1', items);
  const task = createMarkInvalidationSubmittedTask({ queue });
  return { queue, task, ...(await local.runtime()) };
}

describe('mark-invalidation-submitted', () => {
  it('marks the batch submitted once, however often it is replayed, even past the idempotency TTL', async () => {
    const { queue, task, runtime, metric } = await setup();
    expect(await replay(task(runtime), input)).toEqual(Array(3).fill({ submitted: 2 }));
    expect(metric('InvalidationPathsSubmitted')).toBe(2);
    const late = task((await local.runtime()).runtime);
    expect(await late({ ...input, executionName: 'redrive' })).toEqual({ submitted: 2 });
    // Both queued at the same moment: the index lists them in either order.
    expect((await queue.submittedInvalidations()).map(({ invalidationId, paths }) => [invalidationId, [...paths].sort()])).toEqual([['I1', items.map((i) => i.path).sort()]]);
    expect(await queue.claimedBatches()).toEqual([]);
  });

  it('returns an item requested again since the claim to pending, with its new version', async () => {
    const { queue, task, runtime, metric } = await setup();
    await queue.enqueue('/demo/b.jpg*', 'r2');
    expect(await task(runtime)({ ...input, executionName: 'e' })).toEqual({ submitted: 1 });
    expect(metric('InvalidationPathsSubmitted')).toBe(1);
    expect(await queue.drain()).toEqual([{ path: '/demo/b.jpg*', version: T + 1 }]);
    expect(await queue.submittedInvalidations()).toEqual([{ invalidationId: 'I1', paths: ['/demo/a.jpg?fmt=webp&q=75'] }]);
  });

  it('refuses an invalidation id longer than an item records, and marks nothing', async () => {
    const { queue, task, runtime } = await setup();
    const long = { ...input, invalidationId: 'I'.repeat(MAX_QUEUE_ID_LENGTH + 1), executionName: 'e' };
    await expect(task(runtime)(long)).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(await queue.submittedInvalidations()).toEqual([]);
  });

  it('fails with StoreUnavailable (retried) while the queue table is throttled', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
    const handler = createMarkInvalidationSubmittedTask({ queue: new InvalidationQueue(dynamo, 'queue') })((await local.runtime()).runtime);
    await expect(handler({ ...input, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
