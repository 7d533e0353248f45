import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { freshnessEntriesFromEnv } from '../shared/freshness-entries-env.ts';
import { createAdvanceGenerationTask } from './task.ts';

export const handler = createAdvanceGenerationTask({
  entries: freshnessEntriesFromEnv(),
  originalsTable: { client: DynamoDBDocumentClient.from(dynamoClient()), name: requireEnv(TASK_ENV.originalsTable) },
})(runtimeFromEnv());
