import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, RequestLimitExceeded } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidationQueue } from '../shared/invalidation-queue.ts';
import type { InvalidationStatus } from '../shared/invalidation-status.ts';
import { useLocalDynamo } from '../../test/support/tasks.ts';
import { createReadInvalidationQueueTask } from './task.ts';

const local = useLocalDynamo();

/** CloudFront as the test sets it: every invalidation in progress until marked completed, holding the paths it was sent. */
function cloudfront(sent: Record<string, string[]> = {}) {
  const completed = new Set<string>();
  const asked: string[] = [];
  const invalidations: InvalidationStatus = {
    async describe(id) {
      asked.push(id);
      return { status: completed.has(id) ? 'Completed' : 'InProgress', paths: sent[id] ?? [] };
    },
  };
  return { invalidations, completed, asked };
}

describe('read-invalidation-queue', () => {
  it('reads pending paths, claimed batches and what is in flight, and retires completed invalidations', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const queue = await local.queue(() => new Date(clock));
    for (const path of ['/demo/a.jpg?fmt=webp&q=75', '/demo/b.jpg*', '/demo/c.jpg?fmt=webp&q=75', '/demo/d.jpg?fmt=webp&q=75']) {
      clock += 1_000;
      await queue.enqueue(path, 'r1');
    }
    const [a, b, c, d] = await queue.drain();
    const sent = [a!, b!];
    await queue.claim('inv-1', sent);
    await queue.markSubmitted('inv-1', 'I1', sent);
    await queue.claim('inv-2', [c!]);

    const { invalidations, completed, asked } = cloudfront({ I1: sent.map((item) => item.path) });
    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue, invalidations })(runtime);
    const waiting = {
      pending: [d],
      claimed: [{ batchId: 'inv-2', items: [c] }],
    };
    expect(await handler({ executionName: 'flush-1' })).toEqual({ ...waiting, inFlight: { paths: 1, wildcards: 1 } });

    completed.add('I1');
    expect(await handler({ executionName: 'flush-2' })).toEqual({ ...waiting, inFlight: { paths: 0, wildcards: 0 } });
    expect(await handler({ executionName: 'flush-3' })).toEqual({ ...waiting, inFlight: { paths: 0, wildcards: 0 } });
    expect(asked).toEqual(['I1', 'I1']);
  });

  it('counts what CloudFront holds in flight: paths folded into one wildcard count as one wildcard', async () => {
    const queue = await local.queue();
    for (const w of ['256', '640', '1080', '1920']) await queue.enqueue(`/demo/e.jpg?fmt=webp&q=75&w=${w}`, 'r1');
    const folded = await queue.drain();
    await queue.claim('inv-3', folded);
    await queue.markSubmitted('inv-3', 'I3', folded);

    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue, invalidations: cloudfront({ I3: ['/demo/e.jpg*'] }).invalidations })(runtime);
    expect(await handler({ executionName: 'flush' })).toMatchObject({ inFlight: { paths: 0, wildcards: 1 } });
  });

  it('reads an empty queue as nothing to do', async () => {
    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue: await local.queue(), invalidations: cloudfront().invalidations })(runtime);
    expect(await handler({ executionName: 'flush' })).toEqual({ pending: [], claimed: [], inFlight: { paths: 0, wildcards: 0 } });
  });

  it('fails with StoreUnavailable (retried) while the queue table is throttled', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo).rejects(new RequestLimitExceeded({ message: 'throttled', $metadata: {} }));
    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue: new InvalidationQueue(dynamo, 'queue'), invalidations: cloudfront().invalidations })(runtime);
    await expect(handler({ executionName: 'flush' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
