import { CopyObjectCommand, DeleteObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { keyToUri, parseImageRequest, StoreUnavailable } from '../../core/index.ts';
import { putOriginal, type OriginalsTable } from '../record-original/originals-table.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';
import { uploadedKey, uploadEvent } from '../validate-original/upload-event.ts';

const NAME = 'quarantine-original';

export interface QuarantineOriginalDeps {
  readonly s3: S3Client;
  /** The originals bucket uploads land in. */
  readonly uploadsBucket: string;
  readonly quarantineBucket: string;
  readonly originals: OriginalsTable;
}

/**
 * Every step acts on this upload only (its etag, its sequencer), so a replay
 * finds its work done and a late event never touches a later upload of the key:
 * copy to quarantine, record `quarantined`, delete the original (replication
 * deletes the replicas). Answers the key's tenant, or null when the key is no
 * original key of one (the upload workflow then has no variants to delete).
 */
export const createQuarantineOriginalTask = (deps: QuarantineOriginalDeps) =>
  defineTask({
    name: NAME,
    input: uploadEvent.extend({ reason: z.string().min(1) }),
    idempotencyKey: (input) => `${uploadedKey(NAME, input, deps.uploadsBucket)}@${input.etag}`,
    run: async (input, { logger, metrics }) => {
      const key = uploadedKey(NAME, input, deps.uploadsBucket);
      const ifMatch = `"${input.etag}"`;
      const copied = await ifStillThere(deps.uploadsBucket, () =>
        deps.s3.send(
          new CopyObjectCommand({
            Bucket: deps.quarantineBucket,
            Key: key,
            CopySource: `${deps.uploadsBucket}${keyToUri(key)}`,
            CopySourceIfMatch: ifMatch,
          }),
        ),
      );
      await putOriginal(deps.originals, {
        key,
        status: 'quarantined',
        etag: input.etag,
        sequencer: input.sequencer,
        reason: input.reason,
        recordedAt: new Date().toISOString(),
      });
      await ifStillThere(deps.uploadsBucket, () =>
        deps.s3.send(new DeleteObjectCommand({ Bucket: deps.uploadsBucket, Key: key, IfMatch: ifMatch })),
      );
      if (copied) metrics.addMetric('OriginalsQuarantined', MetricUnit.Count, 1);
      else logger.info('nothing to copy: the upload is already gone or was replaced', { key });
      const parsed = parseImageRequest(keyToUri(key), []);
      return { quarantinedKey: key, tenant: parsed.ok ? parsed.request.tenant : null };
    },
  });

/**
 * Sends an S3 call conditional on this upload being the key's object; false
 * when it is not: 404, gone (a replay after the delete), or 412, replaced by
 * a later upload that its own workflow takes care of.
 */
async function ifStillThere(bucket: string, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
    if (status === 404 || status === 412) return false;
    throw new StoreUnavailable(`bucket ${bucket} unavailable`, { cause: err });
  }
}
