import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { InvalidationQueue, MAX_QUEUE_ID_LENGTH } from '../shared/invalidation-queue.ts';
import { createClaimInvalidationBatchTask } from './task.ts';

const local = useLocalDynamo();

/** The queue's clock: a path's first version is the time of its first request, in ms. */
const T = Date.UTC(2030, 0, 1);
const items = [{ path: '/demo/a.jpg?fmt=webp&q=75', version: T }, { path: '/demo/b.jpg*', version: T }];

async function setup() {
  const queue = await local.queue(() => new Date(T));
  for (const item of items) await queue.enqueue(item.path, 'r1');
  const task = createClaimInvalidationBatchTask({ queue });
  return { queue, task, handler: task((await local.runtime()).runtime) };
}

describe('claim-invalidation-batch', () => {
  it('claims the batch once, however often it is replayed, even past the idempotency TTL', async () => {
    const { queue, task, handler } = await setup();
    expect(await replay(handler, { batchId: 'inv-1', items })).toEqual(Array(3).fill({ claimed: 2 }));
    const late = task((await local.runtime()).runtime);
    expect(await late({ batchId: 'inv-1', items, executionName: 'redrive' })).toEqual({ claimed: 2 });
    // Both queued at the same moment: the index lists them in either order.
    expect(await queue.claimedBatches()).toEqual([{ batchId: 'inv-1', items: expect.arrayContaining(items) }]);
    expect((await queue.claimedBatches())[0]!.items).toHaveLength(items.length);
  });

  it('leaves items requested again since the read, and items of another batch, unclaimed', async () => {
    const { queue, handler } = await setup();
    await handler({ batchId: 'inv-1', items: [items[0]!], executionName: 'e1' });
    await queue.enqueue('/demo/b.jpg*', 'r2');
    expect(await handler({ batchId: 'inv-2', items, executionName: 'e2' })).toEqual({ claimed: 0 });
    expect(await queue.drain()).toEqual([{ path: '/demo/b.jpg*', version: T + 1 }]);
  });

  it('refuses a batch without items, and a batch id longer than an item records', async () => {
    const { queue, handler } = await setup();
    await expect(handler({ batchId: 'inv-1', items: [], executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    await expect(handler({ batchId: 'i'.repeat(MAX_QUEUE_ID_LENGTH + 1), items, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(await queue.claimedBatches()).toEqual([]);
  });

  it('fails with StoreUnavailable (retried) while the queue table is throttled', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
    const handler = createClaimInvalidationBatchTask({ queue: new InvalidationQueue(dynamo, 'queue') })((await local.runtime()).runtime);
    await expect(handler({ batchId: 'inv-1', items, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
