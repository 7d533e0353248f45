/**
 * The invalidation queue table (docs/pipeline.md, "The queue"): one item per
 * CloudFront path, `pending` → `claimed` (by a batch) → `submitted` (with its
 * invalidation) → `done`, which expires. `version` moves on with every new request for a path,
 * so a request that arrives while the path is claimed or in flight is never lost.
 *
 * Nothing here grows without bound: an item remembers at most MAX_REMEMBERED_REQUESTS
 * requests (hashed), those of the replay window; an older one of that window moves to a
 * request marker, an item of its own that expires with the window. So every item and marker
 * stays under MAX_QUEUE_ITEM_BYTES, and a done item and every marker carry the TTL attribute.
 */
import { createHash } from 'node:crypto';
import { StoreUnavailable } from '../../core/index.ts';
import type { CreateTableCommandInput, TimeToLiveSpecification } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoCall, writeIf } from './conditional-write.ts';
import { dynamoClient, requireEnv, TASK_ENV } from './environment.ts';

/** One drain hands the planner at most this many pending paths… */
export const MAX_DRAIN_ITEMS = 1_000;
/** …and at most this many bytes of them, so its output stays far under Step Functions' 256 KiB. */
export const MAX_DRAIN_BYTES = 64 * 1024;
/** Concurrent requests for one path each re-read it; past this many lost races, let the workflow retry later. */
const MAX_ENQUEUE_ATTEMPTS = 5;

/**
 * Longest path the queue takes, in UTF-8 bytes: a path is its item's key, and 2,048 bytes is
 * DynamoDB's limit on a partition key value (CloudFront's own limit on a path, 4,000, is longer).
 */
export const MAX_QUEUED_PATH_BYTES = 2_048;
/** Longest batch id and invalidation id an item records (the planner's ids have 37 characters, CloudFront's about 14). */
export const MAX_QUEUE_ID_LENGTH = 128;
/**
 * How long after a request was first recorded a replay of it may still come: an execution can be
 * redriven within 14 days of its failure, and an upload event replayed from the dead-letter queue
 * (kept 14 days) starts an execution that can be redriven for 14 more. Powertools' idempotency
 * record covers only the first 24 hours of it.
 */
export const REPLAY_WINDOW_SECONDS = 30 * 24 * 60 * 60;
/**
 * A done item expires (the table's TTL attribute) this long after it was done: as long as a
 * replay of a request it remembers may come, so a replay never finds its path forgotten.
 */
export const DONE_RETENTION_SECONDS = REPLAY_WINDOW_SECONDS;
/**
 * An item remembers this many requests of the replay window; recording one more moves the oldest
 * to a request marker. A path sees one request per upload or takedown of its original: 16 in
 * 30 days is rare, and past it each request costs one small marker item.
 */
export const MAX_REMEMBERED_REQUESTS = 16;
/**
 * No queue item or request marker is larger than this, as DynamoDB counts an item's size (its limit
 * is 400 KB). The largest item: path 4 + 2,048 bytes; batchId and invalidationId 7 + 128 and 14 + 128;
 * the request memory 8 + 3 + 16 × (22 + 21 + 1); the other seven attributes under 250 bytes: about
 * 3.3 KiB.
 */
export const MAX_QUEUE_ITEM_BYTES = 4 * 1024;

export type QueueStatus = 'pending' | 'claimed' | 'submitted' | 'done';

export interface QueuedPath {
  readonly path: string;
  readonly version: number;
}

/** A path the queue takes: one CloudFront could be asked about, and one that fits in its item's key. */
export const queuedPathInput = z
  .string()
  .startsWith('/')
  .refine((path) => Buffer.byteLength(path) <= MAX_QUEUED_PATH_BYTES, { message: `longer than ${MAX_QUEUED_PATH_BYTES} bytes (MAX_QUEUED_PATH_BYTES)` });

/** A batch id or an invalidation id in a task's input. */
export const queueIdInput = z.string().min(1).max(MAX_QUEUE_ID_LENGTH);

/** The `items` of a batch in a task's input. */
export const queuedPathsInput = z.array(z.object({ path: queuedPathInput, version: z.number().int().positive() })).min(1);

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
 * `timeToLive` is the table's TTL attribute (epoch seconds): set on a done item and on every
 * request marker; DynamoDB deletes an item some time after it passes (CDK enables it; the
 * local stack's DynamoDB sweeps the same attribute).
 */
export const INVALIDATION_QUEUE_KEYS = {
  partitionKey: 'path',
  statusIndex: { indexName: 'status-enqueuedAt', partitionKey: 'status', sortKey: 'enqueuedAt' },
  timeToLive: 'expiresAt',
} as const;

/** CreateTable's input, and the TTL setting DynamoDB takes apart (UpdateTimeToLive; CDK's `timeToLiveAttribute`). */
export type QueueTableDefinition = CreateTableCommandInput & { TimeToLiveSpecification: TimeToLiveSpecification };

export function invalidationQueueTable(tableName: string): QueueTableDefinition {
  const { partitionKey, statusIndex, timeToLive } = INVALIDATION_QUEUE_KEYS;
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
    TimeToLiveSpecification: { AttributeName: timeToLive, Enabled: true },
  };
}

interface QueueItem {
  path: string;
  status: QueueStatus;
  version: number;
  enqueuedAt: string;
  /** The requests of the replay window this item remembers: request key (requestKey) → when it was recorded, epoch seconds. */
  requests?: Record<string, number>;
  /** How requests were remembered before: every id ever, as a string set. Read as remembered, replaced on the next enqueue. */
  requestIds?: Set<string>;
  /** The last expiry of a request marker of this path: until then a request the item does not remember may have a marker. */
  spilledUntil?: number;
  batchId?: string;
  claimedVersion?: number;
  invalidationId?: string;
  submittedAt?: string;
  /** The TTL attribute (INVALIDATION_QUEUE_KEYS.timeToLive), set when done. */
  expiresAt?: number;
}

/*
 * Conditions rely on AND binding tighter than OR (DynamoDB's precedence) rather than parentheses:
 * dynalite's parser backtracks over each parenthesis, and one parenthesized condition cost it
 * milliseconds a call.
 */

/** Attribute names used in expressions: `path`, `status` and `version` are DynamoDB reserved words. */
const NAMES = { '#path': 'path', '#status': 'status', '#version': 'version', '#expiresAt': INVALIDATION_QUEUE_KEYS.timeToLive };

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1_000);

/**
 * Expired: DynamoDB deletes it some time later (typically within two days), and until then reads
 * still return it, so every read here treats it as gone.
 */
const isExpired = (item: { expiresAt?: number }, nowSeconds: number) => item.expiresAt !== undefined && item.expiresAt <= nowSeconds;

/** A request id as an item remembers it: 132 bits of its SHA-256, 22 characters whatever the id's length. */
const requestKey = (requestId: string) => createHash('sha256').update(requestId).digest('base64url').slice(0, 22);

/**
 * The key of the marker of one request of one path: not a path (those start with `/`), and with no
 * status, so no listing of the status index sees it. requestKey's fixed length keeps the two apart.
 */
const markerKey = (path: string, request: string) => `request#${createHash('sha256').update(request).update(path).digest('base64url')}`;

/** The requests a live item remembers, those of the replay window; ids of the old string set count as recorded now. */
function rememberedRequests(item: QueueItem | undefined, nowSeconds: number): Map<string, number> {
  const memory = new Map<string, number>();
  for (const [request, at] of Object.entries(item?.requests ?? {})) {
    if (at + REPLAY_WINDOW_SECONDS > nowSeconds) memory.set(request, at);
  }
  for (const id of item?.requestIds ?? []) {
    if (!memory.has(requestKey(id))) memory.set(requestKey(id), nowSeconds);
  }
  return memory;
}

/** Takes the oldest requests out of `memory` until MAX_REMEMBERED_REQUESTS are left, and returns them. */
function evictOldest(memory: Map<string, number>): [string, number][] {
  const oldestFirst = [...memory].sort(([ka, a], [kb, b]) => a - b || (ka < kb ? -1 : 1));
  const evicted = oldestFirst.slice(0, Math.max(0, memory.size - MAX_REMEMBERED_REQUESTS));
  for (const [request] of evicted) memory.delete(request);
  return evicted;
}

function checkPath(path: string): void {
  if (!queuedPathInput.safeParse(path).success) throw new RangeError(`not a path the invalidation queue takes (a "/" first, at most ${MAX_QUEUED_PATH_BYTES} bytes): ${path.slice(0, 80)}`);
}

function checkIds(...ids: string[]): void {
  for (const id of ids) if (!queueIdInput.safeParse(id).success) throw new RangeError(`not a batch or invalidation id (1 to ${MAX_QUEUE_ID_LENGTH} characters): ${id.slice(0, 80)}`);
}

export class InvalidationQueue {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records one request for `path`. A replayed request (recorded within REPLAY_WINDOW_SECONDS)
   * changes nothing; a path already waiting stays one item; a path already sent or done waits again.
   */
  async enqueue(path: string, requestId: string): Promise<'enqueued' | 'alreadyQueued'> {
    checkPath(path);
    const request = requestKey(requestId);
    for (let attempt = 1; attempt <= MAX_ENQUEUE_ATTEMPTS; attempt++) {
      const now = this.now();
      const nowSeconds = epochSeconds(now);
      const stored = await this.get(path);
      const live = stored && !isExpired(stored, nowSeconds) ? stored : undefined;
      const memory = rememberedRequests(live, nowSeconds);
      if (memory.has(request)) return 'alreadyQueued';
      if (live?.spilledUntil !== undefined && live.spilledUntil > nowSeconds && (await this.hasMarker(path, request, nowSeconds))) return 'alreadyQueued';

      memory.set(request, nowSeconds);
      // Written before the item forgets them: a request is always remembered by the item, a marker or both.
      const evicted = evictOldest(memory);
      await Promise.all(evicted.map(([key, at]) => this.putMarker(path, key, at + REPLAY_WINDOW_SECONDS)));
      const spilledUntil = Math.max(live?.spilledUntil ?? 0, ...evicted.map(([, at]) => at + REPLAY_WINDOW_SECONDS));

      const waiting = live?.status === 'pending' || live?.status === 'claimed';
      const item: QueueItem = {
        path,
        status: waiting ? live.status : 'pending',
        // A path's first request (or its first since its item expired) starts at the time in ms: above any
        // version an expired item of the path had, so no path@version, and so no batch's CallerReference, repeats.
        version: live ? live.version + 1 : Math.max((stored?.version ?? 0) + 1, now.getTime()),
        enqueuedAt: waiting ? live.enqueuedAt : now.toISOString(),
        requests: Object.fromEntries(memory),
        ...(spilledUntil > nowSeconds ? { spilledUntil } : {}),
        ...(live?.status === 'claimed' ? { batchId: live.batchId!, claimedVersion: live.claimedVersion! } : {}),
      };
      // Every write moves `version` on, so "unchanged since read" is one condition on it.
      const written = await writeIf(
        this.tableName,
        this.dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ...(stored
              ? { ConditionExpression: '#version = :seen', ExpressionAttributeNames: { '#version': NAMES['#version'] }, ExpressionAttributeValues: { ':seen': stored.version } }
              : { ConditionExpression: 'attribute_not_exists(#path)', ExpressionAttributeNames: { '#path': NAMES['#path'] } }),
          }),
        ),
      );
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
    checkIds(batchId);
    return this.countWrites(items, (item) =>
      this.update(item.path, {
        ConditionExpression: '#status = :pending AND #version = :version OR #status = :claimed AND batchId = :batchId',
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
    checkIds(batchId, invalidationId);
    const claimedHere = { ':claimed': 'claimed', ':batchId': batchId };
    return this.countWrites(items, async (item) => {
      const submitted = await this.update(item.path, {
        ConditionExpression:
          '#status = :claimed AND batchId = :batchId AND #version = claimedVersion OR ' +
          '#status = :submitted AND invalidationId = :invalidationId',
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

  /** The invalidation completed: its paths are done, and expire DONE_RETENTION_SECONDS later, unless requested again since. */
  async markDone(invalidation: SubmittedInvalidation): Promise<void> {
    const expiresAt = epochSeconds(this.now()) + DONE_RETENTION_SECONDS;
    await this.countWrites(invalidation.paths, (path) =>
      this.update(path, {
        ConditionExpression: '#status = :submitted AND invalidationId = :invalidationId',
        UpdateExpression: 'SET #status = :done, #expiresAt = :expiresAt',
        ExpressionAttributeValues: { ':submitted': 'submitted', ':done': 'done', ':invalidationId': invalidation.invalidationId, ':expiresAt': expiresAt },
      }),
    );
  }

  private async get(path: string): Promise<QueueItem | undefined> {
    const out = await dynamoCall(this.tableName, this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { path }, ConsistentRead: true })));
    return out.Item as QueueItem | undefined;
  }

  private async hasMarker(path: string, request: string, nowSeconds: number): Promise<boolean> {
    const out = await dynamoCall(
      this.tableName,
      this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { path: markerKey(path, request) }, ConsistentRead: true })),
    );
    const marker = out.Item as { expiresAt?: number } | undefined;
    return marker !== undefined && !isExpired(marker, nowSeconds);
  }

  /** Unconditional: writing one twice (two racing enqueues forgetting the same request) writes the same item. */
  private async putMarker(path: string, request: string, expiresAt: number): Promise<void> {
    await dynamoCall(
      this.tableName,
      this.dynamo.send(new PutCommand({ TableName: this.tableName, Item: { path: markerKey(path, request), [INVALIDATION_QUEUE_KEYS.timeToLive]: expiresAt } })),
    );
  }

  private update(
    path: string,
    expression: { ConditionExpression: string; UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    const used = `${expression.ConditionExpression} ${expression.UpdateExpression}`;
    const names = Object.fromEntries(Object.entries(NAMES).filter(([name]) => used.includes(name)));
    return writeIf(this.tableName, this.dynamo.send(new UpdateCommand({ TableName: this.tableName, Key: { path }, ExpressionAttributeNames: names, ...expression })));
  }

  private async countWrites<T>(items: readonly T[], write: (item: T) => Promise<boolean>): Promise<number> {
    const written = await Promise.all(items.map(write));
    return written.filter(Boolean).length;
  }

  /**
   * Items of one status, oldest request first (the index is eventually consistent: a write may show a
   * moment later), expired ones left out. Only done items expire, and no listing asks for those.
   */
  private async *withStatus(status: QueueStatus): AsyncIterable<QueueItem> {
    const { statusIndex } = INVALIDATION_QUEUE_KEYS;
    const nowSeconds = epochSeconds(this.now());
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoCall(
        this.tableName,
        this.dynamo.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: statusIndex.indexName,
            KeyConditionExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': statusIndex.partitionKey },
            ExpressionAttributeValues: { ':status': status },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of (page.Items ?? []) as QueueItem[]) if (!isExpired(item, nowSeconds)) yield item;
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

/** The deployed tasks' queue: the table CDK names in the environment. */
export function invalidationQueueFromEnv(): InvalidationQueue {
  return new InvalidationQueue(DynamoDBDocumentClient.from(dynamoClient()), requireEnv(TASK_ENV.invalidationQueueTable));
}
