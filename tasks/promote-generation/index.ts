import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { freshnessEntriesFromEnv } from '../shared/freshness-entries-env.ts';
import { createPromoteGenerationTask } from './task.ts';

export const handler = createPromoteGenerationTask({
  // The function runs in the variants bucket's region (CDK deploys them together).
  variants: new S3ObjectStore(createS3Client({ region: requireEnv('AWS_REGION') }), requireEnv(TASK_ENV.variantsBucket)),
  entries: freshnessEntriesFromEnv(),
})(runtimeFromEnv());
