import { z } from 'zod';
import { queueIdInput, queuedPathsInput, type InvalidationQueue } from '../shared/invalidation-queue.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';

export interface MarkInvalidationSubmittedDeps {
  queue: InvalidationQueue;
}

/** After CreateInvalidation: the batch's items are in flight, except those requested again since the claim. */
export function createMarkInvalidationSubmittedTask({ queue }: MarkInvalidationSubmittedDeps) {
  return defineTask({
    name: 'mark-invalidation-submitted',
    input: z.object({ batchId: queueIdInput, invalidationId: queueIdInput, items: queuedPathsInput }),
    idempotencyKey: (input) => input.batchId,
    run: async ({ batchId, invalidationId, items }, { metrics }) => {
      const submitted = await queue.markSubmitted(batchId, invalidationId, items);
      metrics.addMetric('InvalidationPathsSubmitted', MetricUnit.Count, submitted);
      return { submitted };
    },
  });
}
