import { z } from 'zod';
import { queuedPathInput, type InvalidationQueue } from '../shared/invalidation-queue.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';

export interface EnqueueInvalidationDeps {
  queue: InvalidationQueue;
}

/** Queues CloudFront paths for the next invalidation flush; each request counts once per path. */
export function createEnqueueInvalidationTask({ queue }: EnqueueInvalidationDeps) {
  return defineTask({
    name: 'enqueue-invalidation',
    input: z.object({ paths: z.array(queuedPathInput), requestId: z.string().min(1) }),
    idempotencyKey: (input) => input.requestId,
    run: async ({ paths, requestId }, { metrics }) => {
      const outcomes = await Promise.all([...new Set(paths)].map((path) => queue.enqueue(path, requestId)));
      const enqueued = outcomes.filter((outcome) => outcome === 'enqueued').length;
      metrics.addMetric('InvalidationPathsEnqueued', MetricUnit.Count, enqueued);
      return { enqueued, alreadyQueued: outcomes.length - enqueued };
    },
  });
}
