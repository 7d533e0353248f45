import { byRegion } from '../../core/index.ts';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { originalsBucketsFromEnv, runtimeFromEnv } from '../shared/environment.ts';
import { freshnessEntriesFromEnv } from '../shared/freshness-entries-env.ts';
import { createRemoveFreshnessEntryTask } from './task.ts';

const buckets = originalsBucketsFromEnv();

export const handler = createRemoveFreshnessEntryTask({
  entries: freshnessEntriesFromEnv(),
  originals: byRegion((region) => new S3ObjectStore(createS3Client({ region }), buckets[region])),
})(runtimeFromEnv());
