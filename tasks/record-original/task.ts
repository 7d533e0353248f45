import { z } from 'zod';
import { SOURCE_FORMATS } from '../../core/transform/index.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { putOriginal, sequencer, type OriginalsTable } from './originals-table.ts';

/** validate-original's output, record-original's input. */
export const validatedOriginal = z.object({
  tenant: z.string().min(1),
  path: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().min(1),
  sequencer,
  format: z.enum(SOURCE_FORMATS),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  renderExecutionName: z.string().min(1),
});
export type ValidatedOriginal = z.infer<typeof validatedOriginal>;

export interface RecordOriginalDeps {
  readonly originals: OriginalsTable;
}

export interface RecordedOriginal {
  readonly key: string;
  readonly etag: string;
  /**
   * False when there is nothing new to do: a later upload of the key is recorded already (a
   * late event), or the same bytes were uploaded again over the accepted original. A replay of
   * this upload's own write is written: its first run may have died before it went on.
   */
  readonly written: boolean;
  /**
   * Another upload of the key was recorded before (accepted, quarantined or taken down): its
   * variants are stale and its freshness entry (a generation or a takedown's DENIED) must move.
   */
  readonly replaced: boolean;
}

export const createRecordOriginalTask = (deps: RecordOriginalDeps) =>
  defineTask({
    name: 'record-original',
    input: validatedOriginal,
    idempotencyKey: (input) => `${input.key}@${input.etag}@${input.sequencer}`,
    run: async (input, { logger, metrics }): Promise<RecordedOriginal> => {
      const { key, etag, format, width, height, bytes } = input;
      const result = await putOriginal(deps.originals, {
        key,
        status: 'accepted',
        etag,
        sequencer: input.sequencer,
        recordedAt: new Date().toISOString(),
        format,
        width,
        height,
        bytes,
      });
      if (!result.written) logger.info('left as is: a later upload, or the same bytes accepted, is already recorded');
      const replaced = result.written && result.replaced;
      if (replaced) metrics.addMetric('OriginalsReplaced', MetricUnit.Count, 1);
      return { key, etag, written: result.written, replaced };
    },
  });
