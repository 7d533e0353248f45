/** The deployed render-variant function. */
import { Logger } from '@aws-lambda-powertools/logger';
import { regionsNearestFirst } from '../../core/index.ts';
import { createOriginalsReader, createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, originalsBucketsFromEnv, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createRenderVariantTask } from './task.ts';

// One logger for the task and its originals reader, so failovers carry the execution name.
const logger = new Logger({ serviceName: 'render-variant' });
const region = requireEnv('AWS_REGION');
const buckets = originalsBucketsFromEnv();

export const handler = createRenderVariantTask({
  originals: createOriginalsReader({
    originals: regionsNearestFirst(region).map((near) => ({
      region: near,
      store: new S3ObjectStore(createS3Client({ region: near, maxAttempts: 1 }), buckets[near]),
    })),
    log: ({ level, message, ...fields }) => logger[level](message, fields),
  }),
  variants: new S3ObjectStore(createS3Client({ region }), requireEnv(TASK_ENV.variantsBucket)),
  originalsTable: { client: DynamoDBDocumentClient.from(dynamoClient()), name: requireEnv(TASK_ENV.originalsTable) },
})({ ...runtimeFromEnv(), logger });
