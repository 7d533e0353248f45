import { z } from 'zod';
import { generationTokenOf } from '../../core/index.ts';
import { isCurrentUpload, sequencer, type OriginalsTable } from '../record-original/originals-table.ts';
import type { FreshnessEntries } from '../shared/freshness-entries.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { tenantOriginal } from '../shared/tenant-original.ts';

export interface AdvanceGenerationDeps {
  entries: FreshnessEntries;
  /** Where the key's current upload is recorded: only that upload may move the generation. */
  originalsTable: OriginalsTable;
}

const TASK = 'advance-generation';

/**
 * A replaced (or re-uploaded after a takedown) original gets the generation token of
 * this upload: from the moment the entry is in the store, every variant URL of it has a
 * new cache key, so the edge fetches the new variants without any invalidation. The
 * token is a function of key@etag, so a replay writes what is already there.
 *
 * Only the key's current accepted upload writes (asked after the store's ETag is read,
 * so a later upload's write in between makes ours fail and ask again): a retry or a
 * redrive of an upload that a later one replaced since must not bring its token back.
 * It then answers `written: false`, and the upload stops there. The idempotency key has
 * the S3 sequencer: uploading A, B, A, B again is four uploads, not two.
 */
export function createAdvanceGenerationTask({ entries, originalsTable }: AdvanceGenerationDeps) {
  return defineTask({
    name: TASK,
    input: z.object({ tenant: z.string(), key: z.string(), etag: z.string().min(1), sequencer }),
    idempotencyKey: (input) => `${input.key}@${input.etag}@${input.sequencer}`,
    run: async ({ tenant, key, etag }, { metrics }) => {
      tenantOriginal(TASK, tenant, key);
      const token = generationTokenOf(`${key}@${etag}`);
      const { slotKey, id, written } = await entries.set(key, token, () => isCurrentUpload(originalsTable, key, etag));
      if (written) metrics.addMetric('GenerationsAdvanced', MetricUnit.Count, 1);
      return { slotKey, id, token, written };
    },
  });
}
