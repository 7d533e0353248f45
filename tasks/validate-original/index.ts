/** The deployed validate-original function. */
import { S3ObjectStore } from '../../edge/storage/object-store.ts';
import { createS3Client } from '../../edge/storage/s3-client.ts';
import { originalsBucketsFromEnv, runtimeFromEnv } from '../shared/environment.ts';
import { createValidateOriginalTask } from './task.ts';
import { uploadsRegionFromEnv } from './upload-event.ts';

const region = uploadsRegionFromEnv();

export const handler = createValidateOriginalTask({
  uploads: new S3ObjectStore(createS3Client({ region }), originalsBucketsFromEnv()[region]),
})(runtimeFromEnv());
