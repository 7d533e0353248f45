/**
 * The deployed tasks' configuration: each task's `index.ts` reads what it needs
 * from here (CDK sets these variables); the local stack passes the same values
 * to the `create…Task(deps)` factories directly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import type { TaskRuntime } from './task.ts';

/** The variables CDK sets on task functions; each task reads only the ones it needs. */
export const TASK_ENV = {
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  originalsTable: 'ORIGINALS_TABLE',
  invalidationQueueTable: 'INVALIDATION_QUEUE_TABLE',
  auditTable: 'AUDIT_TABLE',
  /** JSON `{ "us-east-1": bucket, "eu-west-1": bucket, "ap-northeast-1": bucket }`. */
  originalsBuckets: 'ORIGINALS_BUCKETS',
  variantsBucket: 'VARIANTS_BUCKET',
  quarantineBucket: 'QUARANTINE_BUCKET',
  keyValueStoreArn: 'KEY_VALUE_STORE_ARN',
  distributionId: 'DISTRIBUTION_ID',
} as const;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function originalsBucketsFromEnv(): Record<OriginalsRegion, string> {
  const parsed: unknown = JSON.parse(requireEnv(TASK_ENV.originalsBuckets));
  const buckets = parsed as Partial<Record<OriginalsRegion, unknown>>;
  for (const region of ORIGINALS_REGIONS) {
    if (typeof buckets[region] !== 'string') throw new Error(`${TASK_ENV.originalsBuckets} lacks a bucket for ${region}`);
  }
  return buckets as Record<OriginalsRegion, string>;
}

let dynamo: DynamoDBClient | undefined;
/** One DynamoDB client per container, shared by the task and its idempotency records. */
export function dynamoClient(): DynamoDBClient {
  dynamo ??= new DynamoDBClient({});
  return dynamo;
}

export function runtimeFromEnv(): TaskRuntime {
  return {
    persistence: new DynamoDBPersistenceLayer({
      tableName: requireEnv(TASK_ENV.idempotencyTable),
      awsSdkV3Client: dynamoClient(),
    }),
  };
}
