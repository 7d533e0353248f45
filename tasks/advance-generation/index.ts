// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig, dynamoClient, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { keyValueStoreFreshnessEntries } from '../shared/freshness-entries.ts';
import { createAdvanceGenerationTask } from './task.ts';

export const handler = createAdvanceGenerationTask({
  entries: keyValueStoreFreshnessEntries(new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore')), requireEnv(TASK_ENV.keyValueStoreArn)),
  originalsTable: { client: DynamoDBDocumentClient.from(dynamoClient()), name: requireEnv(TASK_ENV.originalsTable) },
})(runtimeFromEnv());
