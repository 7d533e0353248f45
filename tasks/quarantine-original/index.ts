/** The deployed quarantine-original function. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createS3Client } from '../../core/storage/index.ts';
import { dynamoClient, originalsBucketsFromEnv, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { uploadsRegionFromEnv } from '../validate-original/upload-event.ts';
import { createQuarantineOriginalTask } from './task.ts';

const region = uploadsRegionFromEnv();

export const handler = createQuarantineOriginalTask({
  s3: createS3Client({ region }),
  uploadsBucket: originalsBucketsFromEnv()[region],
  quarantineBucket: requireEnv(TASK_ENV.quarantineBucket),
  originals: { client: DynamoDBDocumentClient.from(dynamoClient()), name: requireEnv(TASK_ENV.originalsTable) },
})(runtimeFromEnv());
