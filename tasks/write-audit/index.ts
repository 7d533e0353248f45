import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, requireEnv, runtimeFromEnv, TASK_ENV } from '../shared/environment.ts';
import { createWriteAuditTask } from './task.ts';

export const handler = createWriteAuditTask({
  dynamo: DynamoDBDocumentClient.from(dynamoClient()),
  auditTable: requireEnv(TASK_ENV.auditTable),
})(runtimeFromEnv());
