import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { byRegion } from '../../core/index.ts';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { dynamoClient, originalsBucketsFromEnv, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createDeleteOriginalsTask } from './task.ts';

const buckets = originalsBucketsFromEnv();

export const handler = createDeleteOriginalsTask({
  originals: byRegion((region) => new S3ObjectStore(createS3Client({ region }), buckets[region])),
  dynamo: DynamoDBDocumentClient.from(dynamoClient()),
  originalsTable: requireEnv(TASK_ENV.originalsTable),
})(runtimeFromEnv());
