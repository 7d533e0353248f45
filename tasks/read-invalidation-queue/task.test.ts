import { describe, expect, it } from 'vitest';
import type { InvalidationStatus } from '../shared/invalidation-status.ts';
import { useLocalDynamo } from '../shared/testing.ts';
import { createReadInvalidationQueueTask } from './task.ts';

const local = useLocalDynamo();

/** CloudFront as the test sets it: every invalidation in progress until marked completed. */
function cloudfront() {
  const completed = new Set<string>();
  const asked: string[] = [];
  const invalidations: InvalidationStatus = {
    async status(id) {
      asked.push(id);
      return completed.has(id) ? 'Completed' : 'InProgress';
    },
  };
  return { invalidations, completed, asked };
}

describe('read-invalidation-queue', () => {
  it('reads pending paths, claimed batches and what is in flight, and retires completed invalidations', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const queue = await local.queue(() => new Date((clock += 1_000)));
    for (const path of ['/demo/a.jpg?fmt=webp&q=75', '/demo/b.jpg*', '/demo/c.jpg?fmt=webp&q=75', '/demo/d.jpg?fmt=webp&q=75']) {
      await queue.enqueue(path, 'r1');
    }
    const sent = [{ path: '/demo/a.jpg?fmt=webp&q=75', version: 1 }, { path: '/demo/b.jpg*', version: 1 }];
    await queue.claim('inv-1', sent);
    await queue.markSubmitted('inv-1', 'I1', sent);
    await queue.claim('inv-2', [{ path: '/demo/c.jpg?fmt=webp&q=75', version: 1 }]);

    const { invalidations, completed, asked } = cloudfront();
    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue, invalidations })(runtime);
    const waiting = {
      pending: [{ path: '/demo/d.jpg?fmt=webp&q=75', version: 1 }],
      claimed: [{ batchId: 'inv-2', items: [{ path: '/demo/c.jpg?fmt=webp&q=75', version: 1 }] }],
    };
    expect(await handler({ executionName: 'flush-1' })).toEqual({ ...waiting, inFlight: { paths: 1, wildcards: 1 } });

    completed.add('I1');
    expect(await handler({ executionName: 'flush-2' })).toEqual({ ...waiting, inFlight: { paths: 0, wildcards: 0 } });
    expect(await handler({ executionName: 'flush-3' })).toEqual({ ...waiting, inFlight: { paths: 0, wildcards: 0 } });
    expect(asked).toEqual(['I1', 'I1']);
  });

  it('reads an empty queue as nothing to do', async () => {
    const { runtime } = await local.runtime();
    const handler = createReadInvalidationQueueTask({ queue: await local.queue(), invalidations: cloudfront().invalidations })(runtime);
    expect(await handler({ executionName: 'flush' })).toEqual({ pending: [], claimed: [], inFlight: { paths: 0, wildcards: 0 } });
  });
});
