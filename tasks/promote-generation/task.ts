import { z } from 'zod';
import { CONTENT_TYPES, isGenerationToken, parseVariantName, variantKey, type VariantName } from '../../core/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';
import { MAX_SOURCE_BYTES, VARIANT_CACHE_CONTROL } from '../../core/transform/index.ts';
import type { FreshnessEntries } from '../shared/freshness-entries.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface PromoteGenerationDeps {
  variants: ObjectStore;
  /** Only a generation that is still the original's entry is promoted. */
  entries: FreshnessEntries;
}

const TASK = 'promote-generation';

/**
 * Before an original's generation entry goes (expire-freshness), makes its variants without a
 * generation (`w640_q75.webp`) exactly the generation's (`w640_q75_v{token}.webp`): copies each
 * of the generation's to its plain name and deletes every plain one the generation does not
 * have. Once the entry is gone the edge asks for the plain names, so they must hold the
 * current bytes: a plain object left from before the replacement (an edge render racing the
 * upload's cleanup) would otherwise be served again. Copying again on a replay changes nothing.
 * A generation that is no longer the original's entry is left alone (`superseded`).
 */
export function createPromoteGenerationTask({ variants, entries }: PromoteGenerationDeps) {
  return defineTask({
    name: TASK,
    input: z.object({ tenant: z.string(), key: z.string(), token: z.string().refine(isGenerationToken, 'not a generation token'), requestId: z.string().min(1) }),
    idempotencyKey: (input) => input.requestId,
    run: async ({ tenant, key, token }, { metrics }) => {
      const original = tenantOriginal(TASK, tenant, key);
      // A later re-upload or a takedown since (or this expiry redriven after a later one): the plain names are theirs to set.
      if ((await entries.get(key)) !== token) return { promoted: 0, deleted: 0, superseded: true };
      const names: Array<VariantName & { objectKey: string }> = [];
      for await (const objectKey of variants.list(`${key}/`)) {
        const name = parseVariantName(key, objectKey);
        if (name) names.push({ ...name, objectKey });
      }
      const plainKey = (name: VariantName) => variantKey({ ...original, params: name.params });
      const promoted = names.filter((name) => name.generation === token);
      const kept = new Set(promoted.map(plainKey));
      const stale = names.filter((name) => name.generation === undefined && !kept.has(name.objectKey));
      let copied = 0;
      for (const name of promoted) {
        const object = await variants.get(name.objectKey, { maxBytes: MAX_SOURCE_BYTES });
        // Deleted since the listing (a later re-upload's cleanup): nothing to promote.
        if (!object) continue;
        await variants.put(plainKey(name), object.body, { contentType: CONTENT_TYPES[name.params.fmt], cacheControl: VARIANT_CACHE_CONTROL });
        copied++;
      }
      await Promise.all(stale.map((name) => variants.delete(name.objectKey)));
      metrics.addMetric('VariantsPromoted', MetricUnit.Count, copied);
      return { promoted: copied, deleted: stale.length, superseded: false };
    },
  });
}
