import { z } from 'zod';
import { DENIED, freshnessAddressOf, isGenerationToken, ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';
import { OriginalPresent } from '../shared/errors.ts';
import type { FreshnessEntries } from '../shared/freshness-entries.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';
import { deleteVariantsOf } from '../shared/variants-of.ts';

export interface RemoveFreshnessEntryDeps {
  entries: FreshnessEntries;
  /** Swept of a taken-down original's variants before its deny entry goes. */
  variants: ObjectStore;
  /** The originals bucket of each region: a taken-down original must be gone from all of them. */
  originals: Record<OriginalsRegion, ObjectStore>;
}

const TASK = 'remove-freshness-entry';

/**
 * The end of an entry's window (expire-freshness): removes the original's entry while it is
 * still `token`. A later change's entry (a re-upload, a takedown since) stays for its own
 * expiry. A DENIED entry goes only while it is still DENIED and the original is in no region,
 * its variants swept first (while viewers still get 451): then its URLs answer 404; a copy found again (a replica that arrived late, an upload not recorded yet) keeps the
 * entry and fails with OriginalPresent for a person to look at.
 *
 * Idempotent by `requestId` (the expiry's execution name), so a replay of a removal that
 * lost its answer still says `removed: true` and the expiry goes on to its last step.
 */
export function createRemoveFreshnessEntryTask({ entries, variants, originals }: RemoveFreshnessEntryDeps) {
  return defineTask({
    name: TASK,
    input: z.object({
      tenant: z.string(),
      key: z.string(),
      token: z.string().refine((token) => token === DENIED || isGenerationToken(token), 'not a generation token or the deny token'),
      requestId: z.string().min(1),
    }),
    idempotencyKey: (input) => input.requestId,
    run: async ({ tenant, key, token }, { metrics }) => {
      const original = tenantOriginal(TASK, tenant, key);
      if (token === DENIED) {
        // A re-upload since replaced the deny entry with its generation: that one's expiry takes over.
        if ((await entries.get(key)) !== DENIED) return { ...freshnessAddressOf(key), removed: false };
        const present = await Promise.all(ORIGINALS_REGIONS.map(async (region) => ((await originals[region].exists(key)) ? [region] : [])));
        if (present.flat().length > 0) throw new OriginalPresent(key, present.flat());
        // While the entry still answers 451: a variant an edge render left behind must be gone before any viewer can reach it.
        const swept = await deleteVariantsOf(variants, key, original);
        metrics.addMetric('VariantsDeleted', MetricUnit.Count, swept.deleted);
      }
      const { slotKey, id, removed } = await entries.remove(key, token);
      if (removed) metrics.addMetric('FreshnessEntriesRemoved', MetricUnit.Count, 1);
      return { slotKey, id, removed };
    },
  });
}
