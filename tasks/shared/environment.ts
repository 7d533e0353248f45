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

/**
 * Each attempt of a DynamoDB call, until DynamoDB starts answering, and the longest
 * silence on its socket (core/storage/deadline.ts, layer 1: enforced, not a warning).
 * Item reads and writes take single-digit milliseconds on average, and AWS's advice
 * for latency spikes is a shorter request timeout, so a slow request is abandoned and
 * retried ("Reduce the request timeout settings",
 * https://repost.aws/knowledge-center/dynamodb-high-latency). 5 s is far above that and
 * leaves room for the local stack's dynalite on a saturated machine (a timed-out attempt
 * there can leave an idempotency record in progress); with the SDK's 3 attempts a call
 * that never answers fails in about 3 × 5 s, inside every task's 30 s.
 */
export const DYNAMODB_ATTEMPT_TIMEOUT_MS = 5_000;
/**
 * The same for the CloudFront KeyValueStore API (DescribeKeyValueStore, GetKey, PutKey)
 * and the CloudFront API (GetInvalidation): control-plane calls answered in well under
 * a second; 3 attempts stay under the 30 s a task has.
 */
export const KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS = 5_000;
export const CLOUDFRONT_ATTEMPT_TIMEOUT_MS = 5_000;

const ATTEMPT_TIMEOUT_MS = {
  dynamodb: DYNAMODB_ATTEMPT_TIMEOUT_MS,
  keyValueStore: KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS,
  cloudFront: CLOUDFRONT_ATTEMPT_TIMEOUT_MS,
} as const;

/** Until a socket connects, for every client (as S3_CONNECTION_TIMEOUT_MS in core/storage). */
export const AWS_CONNECT_TIMEOUT_MS = 1_000;

/**
 * The configuration every task's AWS client is created with (the S3 clients get theirs
 * from createS3Client): its attempts time out for real. `throwOnRequestTimeout` is what
 * makes the installed @smithy/node-http-handler enforce `requestTimeout` instead of
 * logging a warning; `socketTimeout` bounds silence, the body included (read in its
 * source: core/storage/deadline.ts says how). Written out here rather than imported from
 * core/storage, which would put the S3 client into every task's bundle. Spread it into
 * the client's constructor: `new CloudFrontKeyValueStoreClient(awsClientConfig('keyValueStore'))`.
 */
export function awsClientConfig(service: keyof typeof ATTEMPT_TIMEOUT_MS) {
  const ms = ATTEMPT_TIMEOUT_MS[service];
  return { requestHandler: { connectionTimeout: AWS_CONNECT_TIMEOUT_MS, requestTimeout: ms, throwOnRequestTimeout: true, socketTimeout: ms } };
}

let dynamo: DynamoDBClient | undefined;
/** One DynamoDB client per container, shared by the task and its idempotency records. */
export function dynamoClient(): DynamoDBClient {
  dynamo ??= new DynamoDBClient(awsClientConfig('dynamodb'));
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
