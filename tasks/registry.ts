/**
 * Every task function, once: its handler (tasks/<name>/index.ts, `handler`),
 * the TASK_ENV variables it reads and the AWS calls it makes. The CDK stack
 * grants exactly `taskAccess(name)` and sets exactly `taskEnvironment(name)`;
 * the local stack runs the same bundles with the same variables and refuses
 * any call outside the same access (core/deployment/access.ts). Adding a task
 * is one entry here, one binding in a workflow.
 */
import type { Access } from '../core/deployment/index.ts';
import type { TASK_ENV } from './shared/environment.ts';
import { INVALIDATION_QUEUE_KEYS } from './shared/invalidation-queue.ts';

export type TaskEnvName = keyof typeof TASK_ENV;

export interface TaskDefinition {
  /** `go`: tasks/<name> is a Go main package (docs/go-lambda.md); otherwise tasks/<name>/index.ts. */
  readonly language?: 'go';
  /** The TASK_ENV variables it reads (Node tasks also read the idempotency table's). */
  readonly env: readonly TaskEnvName[];
  readonly access: readonly Access[];
  /** Runs sharp: bundled with sharp's runtime beside it and deployed on x86_64 (infra/aws/task-function.ts). */
  readonly renders?: boolean;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

/** Lambda's own defaults, for a task that names none. */
export const DEFAULT_TASK_MEMORY_MB = 256;
export const DEFAULT_TASK_TIMEOUT_SECONDS = 30;

const READ_WRITE = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;
const QUEUE: Access = { table: 'invalidationQueue', actions: [...READ_WRITE, 'dynamodb:Query'], index: INVALIDATION_QUEUE_KEYS.statusIndex.indexName };
const MINUTE = 60;
/** A read-modify-write of a freshness slot (tasks/shared/freshness-entries.ts). */
const FRESHNESS_WRITE: Access = { keyValueStore: ['cloudfront-keyvaluestore:GetKey', 'cloudfront-keyvaluestore:PutKey'] };

export const TASKS = {
  'validate-original': {
    env: ['originalsBuckets'],
    renders: true,
    memoryMb: 2048,
    timeoutSeconds: MINUTE,
    access: [{ objects: ['s3:GetObject'], in: 'primaryOriginals' }, { list: 'primaryOriginals' }],
  },
  'quarantine-original': {
    env: ['originalsBuckets', 'quarantineBucket', 'originalsTable'],
    access: [
      { objects: ['s3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'], in: 'primaryOriginals' },
      { objects: ['s3:PutObject', 's3:PutObjectTagging'], in: 'quarantine' },
      { table: 'originals', actions: READ_WRITE },
    ],
  },
  'record-original': { env: ['originalsTable'], access: [{ table: 'originals', actions: READ_WRITE }] },
  'plan-variants': { env: ['keyValueStoreArn'], access: [{ keyValueStore: ['cloudfront-keyvaluestore:GetKey'] }] },
  'render-variant': {
    env: ['originalsBuckets', 'variantsBucket', 'originalsTable'],
    renders: true,
    memoryMb: 3008,
    timeoutSeconds: MINUTE,
    access: [
      { objects: ['s3:GetObject'], in: 'everyOriginals' },
      { objects: ['s3:GetObject', 's3:PutObject'], in: 'variants' },
      { list: 'everyOriginals' },
      { list: 'variants' },
      { table: 'originals', actions: ['dynamodb:GetItem'] },
    ],
  },
  'put-deny-entry': { env: ['keyValueStoreArn'], access: [FRESHNESS_WRITE] },
  'advance-generation': {
    env: ['keyValueStoreArn', 'originalsTable'],
    access: [FRESHNESS_WRITE, { table: 'originals', actions: ['dynamodb:GetItem'] }],
  },
  'delete-originals': {
    env: ['originalsBuckets', 'originalsTable'],
    timeoutSeconds: MINUTE,
    access: [
      // It asks whether each replica still holds the original (HeadObject needs s3:GetObject) before deleting it.
      { objects: ['s3:GetObject', 's3:DeleteObject'], in: 'everyOriginals' },
      { list: 'everyOriginals' },
      { table: 'originals', actions: READ_WRITE },
    ],
  },
  'promote-generation': {
    env: ['variantsBucket', 'keyValueStoreArn'],
    timeoutSeconds: MINUTE,
    access: [
      { objects: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], in: 'variants' },
      { list: 'variants' },
      { keyValueStore: ['cloudfront-keyvaluestore:GetKey'] },
    ],
  },
  'remove-freshness-entry': {
    env: ['keyValueStoreArn', 'originalsBuckets', 'variantsBucket'],
    timeoutSeconds: MINUTE,
    // A deny entry goes only once the original is in no region (HeadObject needs s3:GetObject; a 404 needs ListBucket), its variants swept.
    access: [
      FRESHNESS_WRITE,
      { objects: ['s3:GetObject'], in: 'everyOriginals' },
      { list: 'everyOriginals' },
      { objects: ['s3:DeleteObject'], in: 'variants' },
      { list: 'variants' },
    ],
  },
  'delete-variants': {
    env: ['variantsBucket'],
    timeoutSeconds: MINUTE,
    access: [{ objects: ['s3:DeleteObject'], in: 'variants' }, { list: 'variants' }],
  },
  'enqueue-invalidation': { env: ['invalidationQueueTable'], access: [QUEUE] },
  'read-invalidation-queue': { env: ['invalidationQueueTable', 'distributionId'], access: [QUEUE, { distribution: ['cloudfront:GetInvalidation'] }] },
  'plan-invalidations': { language: 'go', env: [], access: [] },
  'claim-invalidation-batch': { env: ['invalidationQueueTable'], access: [QUEUE] },
  'mark-invalidation-submitted': { env: ['invalidationQueueTable'], access: [QUEUE] },
  'write-audit': { env: ['auditTable'], access: [{ table: 'audit', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] }] },
} as const satisfies Record<string, TaskDefinition>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** Powertools idempotency's records: every Node task reads, writes and deletes its own. */
const IDEMPOTENCY: Access = {
  table: 'idempotency',
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

export function taskDefinition(name: TaskName): TaskDefinition {
  return TASKS[name];
}

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(TASKS, name);
}

/** Everything the task's role allows. */
export function taskAccess(name: TaskName): readonly Access[] {
  const task = taskDefinition(name);
  return task.language === 'go' ? task.access : [IDEMPOTENCY, ...task.access];
}

/** The TASK_ENV variables the task's function is given. */
export function taskEnvNames(name: TaskName): readonly TaskEnvName[] {
  const task = taskDefinition(name);
  return task.language === 'go' ? task.env : ['idempotencyTable', ...task.env];
}
