/** The deployed record-original function. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createRecordOriginalTask } from './task.ts';

export const handler = createRecordOriginalTask({
  originals: { client: DynamoDBDocumentClient.from(dynamoClient()), name: requireEnv(TASK_ENV.originalsTable) },
})(runtimeFromEnv());
