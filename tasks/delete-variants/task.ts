import { z } from 'zod';
import type { ObjectStore } from '../../core/storage/index.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { deleteVariantsOf } from '../shared/variants-of.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface DeleteVariantsDeps {
  variants: ObjectStore;
}

const TASK = 'delete-variants';

/**
 * Deletes every variant of an original (a takedown), or every one but those of the
 * generation to keep (a re-upload keeps its own, which the edge may have rendered
 * already), or only those of one generation (its entry expired: no URL reaches them),
 * and returns their cache keys (tasks/shared/variants-of.ts).
 *
 * A replay within the idempotency TTL returns the first run's paths; past it, the
 * variants are gone and the replay returns fewer paths, or none: by then the
 * first run's paths were queued long ago.
 */
export function createDeleteVariantsTask({ variants }: DeleteVariantsDeps) {
  return defineTask({
    name: TASK,
    input: z
      .object({ tenant: z.string(), key: z.string(), requestId: z.string().min(1), keep: z.string().optional(), only: z.string().optional() })
      .refine((input) => input.keep === undefined || input.only === undefined, 'keep and only exclude each other'),
    idempotencyKey: (input) => input.requestId,
    run: async ({ tenant, key, keep, only }, { metrics }) => {
      const original = tenantOriginal(TASK, tenant, key);
      const result = await deleteVariantsOf(
        variants,
        key,
        original,
        (name) => (keep === undefined || name.generation !== keep) && (only === undefined || name.generation === only),
      );
      metrics.addMetric('VariantsDeleted', MetricUnit.Count, result.deleted);
      return result;
    },
  });
}
