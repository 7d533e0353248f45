/**
 * Nothing in the invalidation queue grows without bound (docs/pipeline.md, "The queue"):
 * 10,000 enqueue → claim → submit cycles through the tasks, against dynalite, over 100 simulated
 * days, with the local TTL sweeper deleting what expired. Every item stays within
 * MAX_QUEUE_ITEM_BYTES, the table within the bound its retention gives, and replays of old
 * requests stay replays throughout, even those the items no longer hold themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemBytes, startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import {
  DONE_RETENTION_SECONDS,
  InvalidationQueue,
  invalidationQueueTable,
  MAX_QUEUE_ID_LENGTH,
  MAX_QUEUE_ITEM_BYTES,
  MAX_QUEUED_PATH_BYTES,
  MAX_REMEMBERED_REQUESTS,
  REPLAY_WINDOW_SECONDS,
  type QueuedPath,
} from '../../tasks/shared/invalidation-queue.ts';
import type { InvalidationStatus } from '../../tasks/shared/invalidation-status.ts';
import { quietRuntime } from '../support/tasks.ts';
import { createEnqueueInvalidationTask } from '../../tasks/enqueue-invalidation/task.ts';
import { createReadInvalidationQueueTask } from '../../tasks/read-invalidation-queue/task.ts';
import { createClaimInvalidationBatchTask } from '../../tasks/claim-invalidation-batch/task.ts';
import { createMarkInvalidationSubmittedTask } from '../../tasks/mark-invalidation-submitted/task.ts';

const DAY_MS = 24 * 60 * 60 * 1_000;
/** One flush a day, each sending what was requested that day: 100 days × 100 paths = 10,000 cycles. */
const ROUNDS = 100;
/** Paths requested every day (an original re-uploaded daily): their requests outgrow the items' memory. */
const HOT = 20;
/** Paths requested once, each a new one (the long tail): their items must go. */
const COLD = 80;
/** The sweeper runs every this many days (DynamoDB's TTL deletes typically within two). */
const SWEEP_EVERY = 2;
const WINDOW_DAYS = REPLAY_WINDOW_SECONDS / 86_400;
const RETENTION_DAYS = DONE_RETENTION_SECONDS / 86_400;

/** The longest path the queue takes, one per hot path, so their items are the largest there are. */
const hotPath = (i: number) => `/demo/hot-${String(i).padStart(2, '0')}-`.padEnd(MAX_QUEUED_PATH_BYTES, 'x');
const coldPath = (round: number, i: number) => `/demo/cold/${round}/${i}.jpg?fmt=webp&q=75&w=640`;
/** Ids as long as an item records, so the items are as large as they get. */
const longId = (prefix: string, round: number) => `${prefix}-${round}-`.padEnd(MAX_QUEUE_ID_LENGTH, '0');

/**
 * The bound on the table's items, from the retention: a cold path's item lives from its request
 * (day r) until it is done (r + 1), then DONE_RETENTION_SECONDS, then until the next sweep; a hot
 * path keeps one item, and one marker per request of the replay window beyond the
 * MAX_REMEMBERED_REQUESTS the item holds, each living until the sweep after its window.
 */
const TABLE_BOUND = HOT * (1 + Math.max(0, WINDOW_DAYS + SWEEP_EVERY - MAX_REMEMBERED_REQUESTS)) + COLD * (1 + RETENTION_DAYS + SWEEP_EVERY);
/** What the table would hold after ROUNDS days with nothing expiring. */
const UNBOUNDED = HOT * (1 + ROUNDS - MAX_REMEMBERED_REQUESTS) + COLD * ROUNDS;

describe('the invalidation queue over 10,000 cycles', () => {
  let clock = Date.UTC(2030, 0, 1);
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ now: () => clock, ttlSweepIntervalMs: 0, maxItemSizeKb: MAX_QUEUE_ITEM_BYTES / 1_024, inProcessClient: true });
  });
  afterAll(() => dynamo?.close());

  const runtime = () => quietRuntime(dynamo);
  const lambda = { getRemainingTimeInMillis: () => 30_000 };

  it('keeps every item within MAX_QUEUE_ITEM_BYTES and the table within its bound, and every replay a replay', async () => {
    await dynamo.createTableFrom(invalidationQueueTable('imgedge-invalidation-queue'));
    const queue = new InvalidationQueue(DynamoDBDocumentClient.from(dynamo.client), 'imgedge-invalidation-queue', () => new Date(clock));
    // CloudFront as the flush sees it: an invalidation completes by the next day's flush.
    const sentOn = new Map<string, number>();
    const cloudfront: InvalidationStatus = {
      async describe(id) {
        return { status: sentOn.get(id)! < clock ? 'Completed' : 'InProgress', paths: [] };
      },
    };
    const enqueue = createEnqueueInvalidationTask({ queue })(await runtime());
    const replay = createEnqueueInvalidationTask({ queue });
    const read = createReadInvalidationQueueTask({ queue, invalidations: cloudfront })(await runtime());
    const claim = createClaimInvalidationBatchTask({ queue })(await runtime());
    const submit = createMarkInvalidationSubmittedTask({ queue })(await runtime());
    const replayRuntime = await runtime(); // its own idempotency records: every replay reaches the queue

    const hot = Array.from({ length: HOT }, (_, i) => hotPath(i));
    const lastVersion = new Map<string, number>();
    const counts: number[] = [];
    let cycles = 0;
    let largest = 0;

    for (let round = 0; round < ROUNDS; round++) {
      clock += DAY_MS;
      const requested = [...hot, ...Array.from({ length: COLD }, (_, i) => coldPath(round, i))];
      expect(await enqueue({ paths: requested, requestId: `replace:demo/day-${round}@etag`, executionName: `upload-${round}` }, lambda)).toEqual({ enqueued: HOT + COLD, alreadyQueued: 0 });

      // A replay of an earlier day's request, within the replay window, as a redrive past the idempotency TTL
      // sends it: a hot path holds the newest requests itself, older ones are in markers.
      if (round > 0) {
        const earlier = round - 1 - (round % Math.min(round, WINDOW_DAYS - 1));
        const paths = [...hot, coldPath(earlier, round % COLD)];
        expect(await replay(replayRuntime)({ paths, requestId: `replace:demo/day-${earlier}@etag`, executionName: `redrive-${round}` }, lambda)).toEqual({ enqueued: 0, alreadyQueued: paths.length });
      }

      // The flush: yesterday's invalidation is done, and today's requests are exactly what waits.
      const { pending, claimed } = await read({ executionName: `flush-${round}` }, lambda);
      expect(claimed).toEqual([]);
      expect(pending.map((item: QueuedPath) => item.path).sort()).toEqual([...requested].sort());
      for (const { path, version } of pending as QueuedPath[]) {
        expect(version).toBeGreaterThan(lastVersion.get(path) ?? 0);
        lastVersion.set(path, version);
      }
      const batchId = longId('inv', round);
      const invalidationId = longId('I', round);
      expect(await claim({ batchId, items: pending, executionName: `flush-${round}` }, lambda)).toEqual({ claimed: HOT + COLD });
      expect(await submit({ batchId, invalidationId, items: pending, executionName: `flush-${round}` }, lambda)).toEqual({ submitted: HOT + COLD });
      sentOn.set(invalidationId, clock);
      cycles += pending.length;

      if (round % SWEEP_EVERY === SWEEP_EVERY - 1) {
        await dynamo.sweepExpired();
        const { Count } = await dynamo.client.send(new ScanCommand({ TableName: queue.tableName, Select: 'COUNT' }));
        counts.push(Count!);
        expect(Count).toBeLessThanOrEqual(TABLE_BOUND);
      }
      // Every item's size, as DynamoDB counts it (dynalite's own check counts characters), every tenth day.
      if (round % 10 === 9) {
        const items = (await dynamo.client.send(new ScanCommand({ TableName: queue.tableName }))).Items ?? [];
        largest = Math.max(largest, ...items.map(itemBytes));
      }
    }

    expect(cycles).toBe(10_000);
    expect(largest).toBeLessThanOrEqual(MAX_QUEUE_ITEM_BYTES);
    // The bound is what holds the table, not the length of the run: flat for the last 60 days.
    expect(Math.max(...counts.slice(-30))).toBeLessThanOrEqual(TABLE_BOUND);
    expect(Math.min(...counts.slice(-30))).toBeGreaterThan(TABLE_BOUND * 0.8);
    expect(TABLE_BOUND).toBeLessThan(UNBOUNDED / 2);
  }, 300_000);
});
