import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { byRegion } from '../../edge/origin/regions.ts';
import { S3ObjectStore } from '../../edge/storage/object-store.ts';
import { createS3Client } from '../../edge/storage/s3-client.ts';
import { dynamoClient, originalsBucketsFromEnv, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createDeleteOriginalsTask } from './task.ts';

const buckets = originalsBucketsFromEnv();

export const handler = createDeleteOriginalsTask({
  originals: byRegion((region) => new S3ObjectStore(createS3Client({ region }), buckets[region])),
  dynamo: DynamoDBDocumentClient.from(dynamoClient()),
  originalsTable: requireEnv(TASK_ENV.originalsTable),
})(runtimeFromEnv());
