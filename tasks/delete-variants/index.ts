import { S3ObjectStore } from '../../edge/storage/object-store.ts';
import { createS3Client } from '../../edge/storage/s3-client.ts';
import { requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createDeleteVariantsTask } from './task.ts';

export const handler = createDeleteVariantsTask({
  // The function runs in the variants bucket's region (CDK deploys them together).
  variants: new S3ObjectStore(createS3Client({ region: requireEnv('AWS_REGION') }), requireEnv(TASK_ENV.variantsBucket)),
})(runtimeFromEnv());
