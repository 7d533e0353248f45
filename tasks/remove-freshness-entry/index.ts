import { byRegion } from '../../core/index.ts';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { originalsBucketsFromEnv, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { freshnessEntriesFromEnv } from '../shared/freshness-entries-env.ts';
import { createRemoveFreshnessEntryTask } from './task.ts';

const buckets = originalsBucketsFromEnv();

export const handler = createRemoveFreshnessEntryTask({
  entries: freshnessEntriesFromEnv(),
  variants: new S3ObjectStore(createS3Client({ region: requireEnv('AWS_REGION') }), requireEnv(TASK_ENV.variantsBucket)),
  originals: byRegion((region) => new S3ObjectStore(createS3Client({ region }), buckets[region])),
})(runtimeFromEnv());
