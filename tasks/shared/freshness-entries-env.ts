/** The deployed tasks' freshness entries: the KeyValueStore their TASK_ENV names. */
// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { awsClientConfig, requireEnv, TASK_ENV } from './environment.ts';
import { keyValueStoreFreshnessEntries, type FreshnessEntries } from './freshness-entries.ts';

export function freshnessEntriesFromEnv(): FreshnessEntries {
  return keyValueStoreFreshnessEntries(new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore')), requireEnv(TASK_ENV.keyValueStoreArn));
}
