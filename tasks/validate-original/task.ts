import { createHash } from 'node:crypto';
import { BAD_FOCUS, BadRequest, FOCUS_METADATA, keyToUri, NotFound, parseImageRequest, toErrorResponse, type VariantParams } from '../../core/index.ts';
import { focusOf, uploadVersion, type ObjectStore } from '../../core/storage/index.ts';
import { inspectSource, MAX_SOURCE_BYTES, renderVariant } from '../../core/transform/index.ts';
import type { ValidatedOriginal } from '../record-original/task.ts';
import { OriginalRejected } from '../shared/errors.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { uploadedKey, uploadEvent } from './upload-event.ts';

const NAME = 'validate-original';

export interface ValidateOriginalDeps {
  /** The originals bucket uploads land in. */
  readonly uploads: ObjectStore;
}

/**
 * The test render: tiny, yet it decodes the whole file (a JPEG cut mid-scan has
 * a valid header and fails only here), every frame of an animation included,
 * since WebP output keeps animation.
 */
const PROBE: VariantParams = { fmt: 'webp', q: 40, w: 64 };

/**
 * The render workflow's execution name for this upload (its key, etag and S3 sequencer): a
 * duplicate event or a replay cannot start a second render, while the same bytes uploaded
 * again later (A, B, A) are another upload with a render of its own.
 */
export function renderExecutionName(key: string, etag: string, sequencer: string): string {
  return `render-${createHash('sha256').update(`${key}@${etag}@${sequencer}`).digest('hex').slice(0, 32)}`;
}

export const createValidateOriginalTask = (deps: ValidateOriginalDeps) =>
  defineTask({
    name: NAME,
    input: uploadEvent,
    idempotencyKey: (input) => `${input.bucket}/${uploadedKey(NAME, input, deps.uploads.bucket)}@${input.etag}@${input.sequencer}`,
    run: async (input, { logger, metrics }): Promise<ValidatedOriginal> => {
      const key = uploadedKey(NAME, input, deps.uploads.bucket);
      const { tenant, path, info, focus } = await check(deps.uploads, key).catch((err: unknown) => {
        const { status, message } = toErrorResponse(err);
        if (status >= 500) throw err;
        metrics.addMetric('OriginalsRejected', MetricUnit.Count, 1);
        logger.info('original rejected', { key, reason: message });
        throw new OriginalRejected(message);
      });
      metrics.addMetric('OriginalsValidated', MetricUnit.Count, 1);
      const version = uploadVersion(input.etag, focus);
      return {
        tenant,
        path,
        key,
        etag: version,
        sequencer: input.sequencer,
        format: info.format,
        width: info.width,
        height: info.height,
        bytes: info.bytes,
        renderExecutionName: renderExecutionName(key, version, input.sequencer),
      };
    },
  });

/** Throws a 4xx ImgedgeError, whose message is the reason, for an original we would refuse to serve. */
async function check(uploads: ObjectStore, key: string) {
  const parsed = parseImageRequest(keyToUri(key), []);
  if (!parsed.ok) throw new BadRequest(parsed.reason);
  const original = await uploads.get(key, { maxBytes: MAX_SOURCE_BYTES });
  if (!original) throw new NotFound('the file was deleted before it could be checked');
  const named = original.metadata?.[FOCUS_METADATA];
  const focus = focusOf(original);
  if (named !== undefined && focus === undefined) throw new BadRequest(`x-amz-meta-${FOCUS_METADATA} ${JSON.stringify(named)}: ${BAD_FOCUS}`);
  const info = await inspectSource(original.body);
  await renderVariant(original.body, PROBE);
  return { tenant: parsed.request.tenant, path: parsed.request.path, info, focus };
}
