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
 * deletes the replicas). Answers the key's tenant, or null when there are no
 * variants of this upload to delete: the key is no original key of a tenant, or a
 * later upload replaced this one (its own workflow owns the key's variants).
 */
export const createQuarantineOriginalTask = (deps: QuarantineOriginalDeps) =>
  defineTask({
    name: NAME,
    input: uploadEvent.extend({ reason: z.string().min(1) }),
    idempotencyKey: (input) => `${uploadedKey(NAME, input, deps.uploadsBucket)}@${input.etag}@${input.sequencer}`,
    run: async (input, { logger, metrics }) => {
      const key = uploadedKey(NAME, input, deps.uploadsBucket);
      const ifMatch = `"${input.etag}"`;
      const copy = await ifStillThere(deps.uploadsBucket, () =>
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
      if (copy === 'done') metrics.addMetric('OriginalsQuarantined', MetricUnit.Count, 1);
      else logger.info(`nothing to copy: the upload is ${copy}`, { key });
      const parsed = parseImageRequest(keyToUri(key), []);
      return { quarantinedKey: key, tenant: parsed.ok && copy !== 'replaced' ? parsed.request.tenant : null };
    },
  });

/**
 * Sends an S3 call conditional on this upload being the key's object: `gone` when
 * it is not there (404, a replay after the delete), `replaced` when a later upload
 * is (412), which its own workflow takes care of.
 */
async function ifStillThere(bucket: string, send: () => Promise<unknown>): Promise<'done' | 'gone' | 'replaced'> {
  try {
    await send();
    return 'done';
  } catch (err) {
    const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
    if (status === 404) return 'gone';
    if (status === 412) return 'replaced';
    throw new StoreUnavailable(`bucket ${bucket} unavailable`, { cause: err });
  }
}
