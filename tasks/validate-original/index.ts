/** The deployed validate-original function. */
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { originalsBucketsFromEnv, runtimeFromEnv } from '../shared/environment.ts';
import { createValidateOriginalTask } from './task.ts';
import { uploadsRegionFromEnv } from './upload-event.ts';

const region = uploadsRegionFromEnv();

export const handler = createValidateOriginalTask({
  uploads: new S3ObjectStore(createS3Client({ region }), originalsBucketsFromEnv()[region]),
})(runtimeFromEnv());
