// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { awsClientConfig, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { keyValueStoreFreshnessEntries } from '../shared/freshness-entries.ts';
import { createPutDenyEntryTask } from './task.ts';

export const handler = createPutDenyEntryTask({
  entries: keyValueStoreFreshnessEntries(new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore')), requireEnv(TASK_ENV.keyValueStoreArn)),
})(runtimeFromEnv());
