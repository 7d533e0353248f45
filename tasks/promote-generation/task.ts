import { z } from 'zod';
import { CONTENT_TYPES, isGenerationToken, variantKey, type VariantName } from '../../core/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';
import { isServableVariant, MAX_SOURCE_BYTES, VARIANT_CACHE_CONTROL } from '../../core/transform/index.ts';
import type { FreshnessEntries } from '../shared/freshness-entries.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';
import { variantsOf } from '../shared/variants-of.ts';

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
 * upload's cleanup) would otherwise be served again. A generation's object that is gone since
 * the listing, or not servable (isServableVariant), is one it does not have: the edge renders
 * that variant again on its next miss. Copying again on a replay changes nothing.
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
      const names = await variantsOf(variants, key);
      const plainKey = (name: VariantName) => variantKey({ ...original, params: name.params });
      const kept = new Set<string>();
      for (const name of names.filter((name) => name.generation === token)) {
        const object = await variants.get(name.objectKey, { maxBytes: MAX_SOURCE_BYTES });
        if (!object || !isServableVariant(object, name.params.fmt)) continue;
        await variants.put(plainKey(name), object.body, { contentType: CONTENT_TYPES[name.params.fmt], cacheControl: VARIANT_CACHE_CONTROL });
        kept.add(plainKey(name));
      }
      const stale = names.filter((name) => name.generation === undefined && !kept.has(name.objectKey));
      await Promise.all(stale.map((name) => variants.delete(name.objectKey)));
      metrics.addMetric('VariantsPromoted', MetricUnit.Count, kept.size);
      return { promoted: kept.size, deleted: stale.length, superseded: false };
    },
  });
}
