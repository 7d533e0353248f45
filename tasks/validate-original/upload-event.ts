/** What validate-original and quarantine-original share about the S3 "Object Created" event they are given. */
import { z } from 'zod';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import { sequencer } from '../record-original/originals-table.ts';
import { TaskInputInvalid } from '../shared/errors.ts';
import { requireEnv } from '../shared/environment.ts';

/** The event's fields both tasks take: `detail.bucket.name`, `detail.object.key`, `.etag` and `.sequencer`. */
export const uploadEvent = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().min(1),
  sequencer,
});

/**
 * The decoded key of the uploaded object. S3 events URL-encode keys with `+`
 * for a space (a literal `+` arrives as `%2B`). The bucket comes from our own
 * configuration; the event's must be that one.
 */
export function uploadedKey(task: string, event: { bucket: string; key: string }, uploadsBucket: string): string {
  if (event.bucket !== uploadsBucket) throw new TaskInputInvalid(task, `bucket ${event.bucket} is not the uploads bucket ${uploadsBucket}`);
  try {
    return decodeURIComponent(event.key.replaceAll('+', ' '));
  } catch {
    throw new TaskInputInvalid(task, `key ${event.key} is not URL-encoded`);
  }
}

/**
 * Uploads land in the originals bucket of the region the upload pipeline runs
 * in; replication copies them to the other two.
 */
export function uploadsRegionFromEnv(): OriginalsRegion {
  const region = requireEnv('AWS_REGION');
  const known = ORIGINALS_REGIONS.find((r) => r === region);
  if (!known) throw new Error(`the upload pipeline runs in ${region}, which holds no originals bucket`);
  return known;
}
