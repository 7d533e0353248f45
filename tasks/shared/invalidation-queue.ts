/**
 * The invalidation queue table (docs/pipeline.md, Tables): one item per
 * CloudFront path, `pending` → `claimed` (by a batch) → `submitted` (with its
 * invalidation) → `done`. `version` moves on with every new request for a path,
 * so a request that arrives while the path is claimed or in flight is never lost.
 */
import { StoreUnavailable } from '../../core/index.ts';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional-write.ts';
import { dynamoClient, requireEnv, TASK_ENV } from './environment.ts';

/** One drain hands the planner at most this many pending paths… */
export const MAX_DRAIN_ITEMS = 1_000;
/** …and at most this many bytes of them, so its output stays far under Step Functions' 256 KiB. */
export const MAX_DRAIN_BYTES = 64 * 1024;
/** Concurrent requests for one path each re-read it; past this many lost races, let the workflow retry later. */
const MAX_ENQUEUE_ATTEMPTS = 5;

export type QueueStatus = 'pending' | 'claimed' | 'submitted' | 'done';

export interface QueuedPath {
  readonly path: string;
  readonly version: number;
}

/** The `items` of a batch in a task's input. */
export const queuedPathsInput = z.array(z.object({ path: z.string().startsWith('/'), version: z.number().int().positive() })).min(1);

export interface ClaimedBatch {
  readonly batchId: string;
  /** Each at the version it was claimed at: resent unchanged, the batch keeps its CallerReference. */
  readonly items: QueuedPath[];
}

export interface SubmittedInvalidation {
  readonly invalidationId: string;
  readonly paths: string[];
}

/**
 * The table's keys, for the local stack and CDK alike. Oldest-pending-first and
 * the per-status listings query the status index instead of scanning. A status
 * is a low-cardinality partition key: fine at our volumes (a few thousand
 * writes a minute at most); at scale, shard it (`pending#0..n`) and merge.
 */
export const INVALIDATION_QUEUE_KEYS = {
  partitionKey: 'path',
  statusIndex: { indexName: 'status-enqueuedAt', partitionKey: 'status', sortKey: 'enqueuedAt' },
} as const;

export function invalidationQueueTable(tableName: string): CreateTableCommandInput {
  const { partitionKey, statusIndex } = INVALIDATION_QUEUE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    AttributeDefinitions: [partitionKey, statusIndex.partitionKey, statusIndex.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    GlobalSecondaryIndexes: [
      {
        IndexName: statusIndex.indexName,
        KeySchema: [
          { AttributeName: statusIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: statusIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

interface QueueItem {
  path: string;
  status: QueueStatus;
  version: number;
  requestIds: Set<string>;
  enqueuedAt: string;
  batchId?: string;
  claimedVersion?: number;
  invalidationId?: string;
  submittedAt?: string;
}

/** Attribute names used in expressions: `path`, `status` and `version` are DynamoDB reserved words. */
const NAMES = { '#path': 'path', '#status': 'status', '#version': 'version' };

export class InvalidationQueue {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records one request for `path`. A replayed request (its id already recorded) changes nothing;
   * a path already waiting stays one item; a path already sent or done waits again.
   */
  async enqueue(path: string, requestId: string): Promise<'enqueued' | 'alreadyQueued'> {
    for (let attempt = 1; attempt <= MAX_ENQUEUE_ATTEMPTS; attempt++) {
      const item = await this.get(path);
      if (item?.requestIds.has(requestId)) return 'alreadyQueued';
      const waiting = item?.status === 'pending' || item?.status === 'claimed';
      // Every write bumps `version`, so "unchanged since read" is one condition on it.
      const written = await this.update(path, {
        ConditionExpression: 'attribute_not_exists(#version) OR #version = :seen',
        UpdateExpression:
          'SET #status = :status, enqueuedAt = :enqueuedAt ADD requestIds :ids, #version :one' +
          (waiting ? '' : ' REMOVE batchId, claimedVersion, invalidationId, submittedAt'),
        ExpressionAttributeValues: {
          ':seen': item?.version ?? 0,
          ':status': waiting ? item.status : 'pending',
          ':enqueuedAt': waiting ? item.enqueuedAt : this.now().toISOString(),
          ':ids': new Set([requestId]),
          ':one': 1,
        },
      });
      if (written) return 'enqueued';
    }
    throw new StoreUnavailable(`${this.tableName}: ${path} kept changing while it was enqueued`);
  }

  /** Pending paths, oldest first, within MAX_DRAIN_ITEMS and MAX_DRAIN_BYTES; stops at the first that does not fit. */
  async drain(): Promise<QueuedPath[]> {
    const drained: QueuedPath[] = [];
    let bytes = 0;
    for await (const item of this.withStatus('pending')) {
      bytes += Buffer.byteLength(item.path);
      if (drained.length === MAX_DRAIN_ITEMS || bytes > MAX_DRAIN_BYTES) break;
      drained.push({ path: item.path, version: item.version });
    }
    return drained;
  }

  /** Batches claimed but not marked submitted: they may have been sent, so the planner resends them unchanged. */
  async claimedBatches(): Promise<ClaimedBatch[]> {
    const batches = new Map<string, QueuedPath[]>();
    for await (const item of this.withStatus('claimed')) {
      const items = batches.get(item.batchId!) ?? [];
      items.push({ path: item.path, version: item.claimedVersion! });
      batches.set(item.batchId!, items);
    }
    return [...batches].map(([batchId, items]) => ({ batchId, items }));
  }

  /** Invalidations submitted and not yet known to be done, with the queued paths each carried. */
  async submittedInvalidations(): Promise<SubmittedInvalidation[]> {
    const invalidations = new Map<string, string[]>();
    for await (const item of this.withStatus('submitted')) {
      const paths = invalidations.get(item.invalidationId!) ?? [];
      paths.push(item.path);
      invalidations.set(item.invalidationId!, paths);
    }
    return [...invalidations].map(([invalidationId, paths]) => ({ invalidationId, paths }));
  }

  /** Each item still pending at its planned version, or already claimed by this batch, is claimed by it. */
  async claim(batchId: string, items: readonly QueuedPath[]): Promise<number> {
    return this.countWrites(items, (item) =>
      this.update(item.path, {
        ConditionExpression: '(#status = :pending AND #version = :version) OR (#status = :claimed AND batchId = :batchId)',
        UpdateExpression: 'SET #status = :claimed, batchId = :batchId, claimedVersion = :version',
        ExpressionAttributeValues: { ':pending': 'pending', ':claimed': 'claimed', ':version': item.version, ':batchId': batchId },
      }),
    );
  }

  /**
   * Items claimed by this batch become submitted with the invalidation, unless requested again since
   * the claim: those wait again, since the invalidation may have been created before that request.
   */
  async markSubmitted(batchId: string, invalidationId: string, items: readonly QueuedPath[]): Promise<number> {
    const claimedHere = { ':claimed': 'claimed', ':batchId': batchId };
    return this.countWrites(items, async (item) => {
      const submitted = await this.update(item.path, {
        ConditionExpression:
          '(#status = :claimed AND batchId = :batchId AND #version = claimedVersion) OR ' +
          '(#status = :submitted AND invalidationId = :invalidationId)',
        UpdateExpression: 'SET #status = :submitted, invalidationId = :invalidationId, submittedAt = if_not_exists(submittedAt, :now)',
        ExpressionAttributeValues: { ...claimedHere, ':submitted': 'submitted', ':invalidationId': invalidationId, ':now': this.now().toISOString() },
      });
      if (!submitted) {
        await this.update(item.path, {
          ConditionExpression: '#status = :claimed AND batchId = :batchId',
          UpdateExpression: 'SET #status = :pending REMOVE batchId, claimedVersion',
          ExpressionAttributeValues: { ...claimedHere, ':pending': 'pending' },
        });
      }
      return submitted;
    });
  }

  /** The invalidation completed: its paths are done, unless requested again since. */
  async markDone(invalidation: SubmittedInvalidation): Promise<void> {
    await this.countWrites(invalidation.paths, (path) =>
      this.update(path, {
        ConditionExpression: '#status = :submitted AND invalidationId = :invalidationId',
        UpdateExpression: 'SET #status = :done',
        ExpressionAttributeValues: { ':submitted': 'submitted', ':done': 'done', ':invalidationId': invalidation.invalidationId },
      }),
    );
  }

  private async get(path: string): Promise<QueueItem | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { path }, ConsistentRead: true }));
    return out.Item as QueueItem | undefined;
  }

  private update(
    path: string,
    expression: { ConditionExpression: string; UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    const used = `${expression.ConditionExpression} ${expression.UpdateExpression}`;
    const names = Object.fromEntries(Object.entries(NAMES).filter(([name]) => used.includes(name)));
    return writeIf(this.dynamo.send(new UpdateCommand({ TableName: this.tableName, Key: { path }, ExpressionAttributeNames: names, ...expression })));
  }

  private async countWrites<T>(items: readonly T[], write: (item: T) => Promise<boolean>): Promise<number> {
    const written = await Promise.all(items.map(write));
    return written.filter(Boolean).length;
  }

  /** Items of one status, oldest request first (the index is eventually consistent: a write may show a moment later). */
  private async *withStatus(status: QueueStatus): AsyncIterable<QueueItem> {
    const { statusIndex } = INVALIDATION_QUEUE_KEYS;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: statusIndex.indexName,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': statusIndex.partitionKey },
          ExpressionAttributeValues: { ':status': status },
          ExclusiveStartKey: start,
        }),
      );
      yield* (page.Items ?? []) as QueueItem[];
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

/** The deployed tasks' queue: the table CDK names in the environment. */
export function invalidationQueueFromEnv(): InvalidationQueue {
  return new InvalidationQueue(DynamoDBDocumentClient.from(dynamoClient()), requireEnv(TASK_ENV.invalidationQueueTable));
}
