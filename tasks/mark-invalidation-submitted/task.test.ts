import { describe, expect, it } from 'vitest';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createMarkInvalidationSubmittedTask } from './task.ts';

const local = useLocalDynamo();

const items = [{ path: '/demo/a.jpg?fmt=webp&q=75', version: 1 }, { path: '/demo/b.jpg*', version: 1 }];
const input = { batchId: 'inv-1', invalidationId: 'I1', items };

async function setup() {
  const queue = await local.queue();
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
    expect(await queue.submittedInvalidations()).toEqual([{ invalidationId: 'I1', paths: items.map((i) => i.path) }]);
    expect(await queue.claimedBatches()).toEqual([]);
  });

  it('returns an item requested again since the claim to pending, with its new version', async () => {
    const { queue, task, runtime, metric } = await setup();
    await queue.enqueue('/demo/b.jpg*', 'r2');
    expect(await task(runtime)({ ...input, executionName: 'e' })).toEqual({ submitted: 1 });
    expect(metric('InvalidationPathsSubmitted')).toBe(1);
    expect(await queue.drain()).toEqual([{ path: '/demo/b.jpg*', version: 2 }]);
    expect(await queue.submittedInvalidations()).toEqual([{ invalidationId: 'I1', paths: ['/demo/a.jpg?fmt=webp&q=75'] }]);
  });
});
