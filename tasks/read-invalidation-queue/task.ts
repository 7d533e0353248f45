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
 * and what is still in flight against CloudFront's quotas. Completed invalidations
 * are marked done first, so they no longer count.
 */
export function createReadInvalidationQueueTask({ queue, invalidations }: ReadInvalidationQueueDeps) {
  return defineTask({
    name: 'read-invalidation-queue',
    input: z.object({}),
    run: async () => {
      const inFlight = { paths: 0, wildcards: 0 };
      for (const invalidation of await queue.submittedInvalidations()) {
        if ((await invalidations.status(invalidation.invalidationId)) === 'Completed') {
          await queue.markDone(invalidation);
        } else {
          const wildcards = invalidation.paths.filter(isWildcard).length;
          inFlight.paths += invalidation.paths.length - wildcards;
          inFlight.wildcards += wildcards;
        }
      }
      const [pending, claimed] = await Promise.all([queue.drain(), queue.claimedBatches()]);
      return { pending, claimed, inFlight };
    },
  });
}
