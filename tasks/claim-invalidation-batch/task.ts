import { z } from 'zod';
import { queueIdInput, queuedPathsInput, type InvalidationQueue } from '../shared/invalidation-queue.ts';
import { defineTask } from '../shared/task.ts';

export interface ClaimInvalidationBatchDeps {
  queue: InvalidationQueue;
}

/** Claims a planned batch's items before it is sent, so a batch sent but not marked is resent, never lost. */
export function createClaimInvalidationBatchTask({ queue }: ClaimInvalidationBatchDeps) {
  return defineTask({
    name: 'claim-invalidation-batch',
    input: z.object({ batchId: queueIdInput, items: queuedPathsInput }),
    idempotencyKey: (input) => input.batchId,
    run: async ({ batchId, items }) => ({ claimed: await queue.claim(batchId, items) }),
  });
}
