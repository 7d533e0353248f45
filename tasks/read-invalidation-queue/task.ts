import { z } from 'zod';
import type { InvalidationQueue } from '../shared/invalidation-queue.ts';
import type { InvalidationStatus } from '../shared/invalidation-status.ts';
import { defineTask } from '../shared/task.ts';

export interface ReadInvalidationQueueDeps {
  queue: InvalidationQueue;
  invalidations: InvalidationStatus;
}

const isWildcard = (path: string) => path.endsWith('*');

/**
 * The planner's input: pending paths, batches claimed but not marked (to resend),
 * and what is still in flight against CloudFront's quotas, as CloudFront counts it. Completed invalidations
 * are marked done first, so they no longer count.
 */
export function createReadInvalidationQueueTask({ queue, invalidations }: ReadInvalidationQueueDeps) {
  return defineTask({
    name: 'read-invalidation-queue',
    input: z.object({}),
    run: async () => {
      const inFlight = { paths: 0, wildcards: 0 };
      for (const invalidation of await queue.submittedInvalidations()) {
        const sent = await invalidations.describe(invalidation.invalidationId);
        if (sent.status === 'Completed') {
          await queue.markDone(invalidation);
        } else {
          // CloudFront's count, not the queue's: one folded wildcard may stand for many queued paths.
          const wildcards = sent.paths.filter(isWildcard).length;
          inFlight.paths += sent.paths.length - wildcards;
          inFlight.wildcards += wildcards;
        }
      }
      const [pending, claimed] = await Promise.all([queue.drain(), queue.claimedBatches()]);
      return { pending, claimed, inFlight };
    },
  });
}
