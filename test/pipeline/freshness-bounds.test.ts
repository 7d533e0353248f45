/**
 * The freshness entries do not grow without bound (docs/design.md, "Freshness"; docs/pipeline.md,
 * "expire-freshness"): 1,000 re-uploads and takedowns over 10 simulated windows, through the tasks
 * that write and remove them (advance-generation, put-deny-entry, delete-originals,
 * remove-freshness-entry) with their idempotency records in dynalite, each change's expiry run one
 * FRESHNESS_WINDOW_SECONDS after it, as the workflow's Wait runs it. The KeyValueStore holds at most
 * the changes of the last window, its bytes (as the local store counts them) at most the seeded
 * slots and that many entries, and once the changes stop it is the seed again: nothing leaks,
 * duplicate events and replayed expiries included.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  byRegion,
  DENIED,
  EMPTY_SLOT,
  freshnessAddressOf,
  freshnessSeed,
  FRESHNESS_WINDOW_SECONDS,
  generationTokenOf,
  MAX_SLOT_ENTRIES,
  ORIGINALS_REGIONS,
} from '../../core/index.ts';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import { keyValueStoreApi, LOCAL_KVS_ARN, VersionedMap } from '../../infra/local/key-value-store.ts';
import { SLOT_KEY_BYTES, storeBytes } from '../../tools/cost/freshness.ts';
import { putOriginal, sequencer, type OriginalsTable } from '../../tasks/record-original/originals-table.ts';
import { mapFreshnessEntries } from '../../tasks/shared/freshness-entries.ts';
import { quietRuntime } from '../support/tasks.ts';
import { createAdvanceGenerationTask } from '../../tasks/advance-generation/task.ts';
import { createPutDenyEntryTask } from '../../tasks/put-deny-entry/task.ts';
import { createDeleteOriginalsTask } from '../../tasks/delete-originals/task.ts';
import { createRemoveFreshnessEntryTask } from '../../tasks/remove-freshness-entry/task.ts';
import { MemoryStore } from '../support/memory-store.ts';

const START = Date.UTC(2030, 0, 1);
const WINDOW_MS = FRESHNESS_WINDOW_SECONDS * 1_000;
/**
 * One round is one window of 100 changes. Not the 100 windows (10,000 changes) issue 15 asks for:
 * every change costs six or seven dynalite calls through Powertools' idempotency records and the
 * tasks' own reads, about 2 s of CPU a window. Measured on the 2-core machine with a CI run beside
 * it: 10 windows, 17 s of test (21 s in all) with a core to itself, 40 s at a load average of 22;
 * 15 windows, 35 to 57 s; 100 windows did not finish in 300 s. From the third window on every
 * window is alike (the steady state), so 10 show the bound holding as well as 100 would.
 */
const ROUNDS = 10;
const CHANGES_PER_ROUND = 100;
const STEP_MS = WINDOW_MS / CHANGES_PER_ROUND;
/** Originals re-uploaded HOT_UPLOADS times a round, all in one slot: each upload supersedes the one before within its window. */
const HOT = 10;
const HOT_UPLOADS = 3;
/** Taken down, and re-uploaded later the same round: the re-upload's token replaces `!` before the deny entry's expiry. */
const RETURNING = 10;
/** Taken down for good (from round 1 the previous round's first re-uploaded long-tail originals, before their expiry). */
const GONE = 10;
/** From round 2, the first BACK of the GONE originals of two rounds before are uploaded again, long after their deny entry went. */
const BACK = 5;
/** Every 7th upload and every 5th takedown comes twice (a duplicate event); every 9th expiry is retried, every 13th redriven past the idempotency records. */
const DUPLICATE_UPLOAD_EVERY = 7;
const DUPLICATE_TAKEDOWN_EVERY = 5;
const RETRY_EXPIRY_EVERY = 9;
const REDRIVE_EXPIRY_EVERY = 13;

const TENANT = 'demo';
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The first `count` original keys of the form demo/hot/{n}.jpg to share a slot (a few hundred thousand digests). */
function keysSharingASlot(count: number): string[] {
  const bySlot = new Map<string, string[]>();
  for (let n = 0; ; n++) {
    const key = `demo/hot/${n}.jpg`;
    const { slotKey } = freshnessAddressOf(key);
    const keys = bySlot.get(slotKey) ?? [];
    keys.push(key);
    bySlot.set(slotKey, keys);
    if (keys.length === count) return keys;
  }
}

/** Where in a round each kind of change happens: a hot original's uploads 33 steps apart, a returning takedown 40 steps before its re-upload. */
type Change = { kind: 'upload'; key: string } | { kind: 'takedown'; key: string };
function roundPlan(round: number, hot: readonly string[]): Change[] {
  const plan: Array<Change | undefined> = new Array(CHANGES_PER_ROUND).fill(undefined);
  for (let k = 0; k < HOT_UPLOADS; k++) hot.forEach((key, h) => (plan[h + 33 * k] = { kind: 'upload', key }));
  for (let j = 0; j < RETURNING; j++) {
    plan[10 + j] = { kind: 'takedown', key: returningKey(round, j) };
    plan[50 + j] = { kind: 'upload', key: returningKey(round, j) };
  }
  for (let j = 0; j < GONE; j++) plan[20 + j] = { kind: 'takedown', key: goneKey(round, j) };
  const rest: Change[] = [
    ...(round >= 2 ? Array.from({ length: BACK }, (_, j) => ({ kind: 'upload' as const, key: goneKey(round - 2, j) })) : []),
    ...Array.from({ length: CHANGES_PER_ROUND - plan.filter(Boolean).length - (round >= 2 ? BACK : 0) }, (_, i) => ({ kind: 'upload' as const, key: tailKey(round, i) })),
  ];
  return plan.map((change) => change ?? rest.shift()!);
}
const returningKey = (round: number, j: number) => `demo/returning/${round}-${j}.jpg`;
/** Round 0 takes down originals of its own; later rounds the first GONE long-tail originals re-uploaded the round before (at step 30 or later). */
const goneKey = (round: number, j: number) => (round === 0 ? `demo/gone/0-${j}.jpg` : tailKey(round - 1, j));
const tailKey = (round: number, i: number) => `demo/tail/${round}-${i}.jpg`;
/** The originals a round's changes find in place, uploaded once before: a first upload moves no generation and writes no entry. */
const firstUploadsOf = (round: number, plan: readonly Change[]) => [
  ...(round === 0 ? Array.from({ length: GONE }, (_, j) => goneKey(0, j)) : []),
  ...plan.filter(({ kind, key }) => kind === 'upload' && (key.startsWith('demo/returning/') || key.startsWith(`demo/tail/${round}-`))).map(({ key }) => key),
];

interface Expiry {
  readonly key: string;
  readonly token: string;
  readonly requestId: string;
  readonly due: number;
}

describe('the freshness entries over 1,000 changes', () => {
  let clock = START;
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ now: () => clock, ttlSweepIntervalMs: 0, inProcessClient: true });
  });
  afterAll(() => dynamo?.close());

  const runtime = () => quietRuntime(dynamo);

  it('holds at most the changes of the last window, in bytes too, and ends as the seed', async () => {
    // The store as the local stack has it, measured as its DescribeKeyValueStore counts it (TotalSizeInBytes).
    const kvs = new VersionedMap(freshnessSeed());
    const entries = mapFreshnessEntries(kvs);
    const api = keyValueStoreApi(kvs);
    const totalBytes = () =>
      (JSON.parse(api({ method: 'GET', url: `/key-value-stores/${encodeURIComponent(LOCAL_KVS_ARN)}`, headers: {}, body: Buffer.alloc(0) }).body) as { TotalSizeInBytes: number })
        .TotalSizeInBytes;
    expect(totalBytes()).toBe(SLOT_KEY_BYTES); // the seed is the cost model's floor
    const originals = byRegion(() => new MemoryStore('originals'));
    const originalsTable: OriginalsTable = { client: DynamoDBDocumentClient.from(dynamo.client), name: 'originals' };
    await dynamo.createTable(originalsTable.name, 'key');

    const advance = createAdvanceGenerationTask({ entries, originalsTable })(await runtime());
    const deny = createPutDenyEntryTask({ entries, now: () => new Date(clock) })(await runtime());
    const deleteOriginals = createDeleteOriginalsTask({ originals, dynamo: originalsTable.client, originalsTable: originalsTable.name })(await runtime());
    const expire = createRemoveFreshnessEntryTask({ entries, variants: new MemoryStore('variants'), originals })(await runtime());
    // Their own idempotency records: a redrive past PIPELINE_IDEMPOTENCY_TTL_SECONDS reaches the store again.
    const lateAdvance = createAdvanceGenerationTask({ entries, originalsTable })(await runtime());
    const lateExpire = createRemoveFreshnessEntryTask({ entries, variants: new MemoryStore('variants'), originals })(await runtime());

    const hot = keysSharingASlot(HOT);
    const hotSlot = freshnessAddressOf(hot[0]!).slotKey;
    /** What the store should hold: each original's latest change still within its window. */
    const model = new Map<string, string>();
    /** The last uploads of each original, as advance-generation got them. */
    const uploads = new Map<string, Array<{ tenant: string; key: string; etag: string; sequencer: string }>>();
    const expiries: Expiry[] = [];
    const changeLog: Array<{ time: number; key: string }> = [];
    const changed = new Set<string>();
    let etags = 0;
    let takedowns = 0;
    let expiriesRun = 0;
    const seen = { foundNothing: 0, superseded: 0, deniedSince: 0, reuploadedSince: 0, removed: 0, duplicates: 0, retries: 0, redrives: 0, lateUploads: 0 };
    /** Entries a later change left in place when an earlier one expired: each is still there at its own expiry. */
    const leftInPlace = new Set<string>();
    /** Of those, the re-uploads that replaced a deny entry: their own expiry removes them. */
    const reuploadsAfterTakedown = new Set<string>();

    const slotOf = (key: string) => kvs.get(freshnessAddressOf(key).slotKey)!;
    const absentEverywhere = (key: string) => ORIGINALS_REGIONS.every((region) => !originals[region].objects.has(key));

    /**
     * An upload as it reaches advance-generation: in every region, and recorded as the key's current
     * upload (record-original's write). A first upload is left out of the table: it moves no
     * generation, nothing here asks for it, and it would add a tenth to the run's DynamoDB calls.
     */
    async function store(key: string, { first = false } = {}) {
      const etag = `etag-${++etags}`;
      const hex = etags.toString(16);
      for (const region of ORIGINALS_REGIONS) originals[region].objects.set(key, { body: Buffer.from(etag), contentType: 'image/jpeg', cacheControl: undefined });
      if (!first) {
        const item = { key, status: 'accepted' as const, etag, sequencer: sequencer.parse(hex), recordedAt: new Date(clock).toISOString() };
        expect(await putOriginal(originalsTable, item)).toMatchObject({ written: true });
      }
      const upload = { tenant: TENANT, key, etag, sequencer: hex };
      uploads.set(key, [...(uploads.get(key) ?? []).slice(-1), upload]);
      return upload;
    }

    async function reupload(key: string, n: number) {
      const upload = await store(key);
      const token = generationTokenOf(`${key}@${upload.etag}`);
      const result = await advance({ ...upload, executionName: `upload-${upload.etag}` });
      expect(result).toEqual({ ...freshnessAddressOf(key), token, written: true });
      model.set(key, token);
      expiries.push({ key, token, requestId: `expire-${sha256Hex(`${key}@${upload.etag}@${upload.sequencer}`)}`, due: clock + WINDOW_MS });
      if (n % DUPLICATE_UPLOAD_EVERY === 0) {
        const before = slotOf(key);
        expect(await advance({ ...upload, executionName: `duplicate-${upload.etag}` })).toEqual(result);
        expect(slotOf(key)).toBe(before);
        seen.duplicates++;
      }
    }

    async function takedown(key: string, n: number) {
      const takedownId = `takedown-${++takedowns}`;
      const input = { tenant: TENANT, key, reason: 'dmca', takedownId };
      const result = await deny({ ...input, executionName: takedownId });
      expect(result).toEqual({ ...freshnessAddressOf(key), at: new Date(clock).toISOString() });
      expect(await deleteOriginals({ tenant: TENANT, key, takedownId, executionName: takedownId })).toEqual({ regions: byRegion(() => 'deleted') });
      model.set(key, DENIED);
      expiries.push({ key, token: DENIED, requestId: `expire-${sha256Hex(`takedown:${takedownId}`)}`, due: clock + WINDOW_MS });
      if (n % DUPLICATE_TAKEDOWN_EVERY === 0) {
        const before = slotOf(key);
        expect(await deny({ ...input, executionName: `${takedownId}-again` })).toEqual(result);
        expect(slotOf(key)).toBe(before);
        seen.duplicates++;
      }
    }

    /** One expiry as the workflow runs it, and what the entry it found says it must do. */
    async function runExpiry({ key, token, requestId }: Expiry) {
      const current = model.get(key);
      const address = freshnessAddressOf(key);
      if (token === DENIED && current === DENIED) expect(absentEverywhere(key)).toBe(true); // nothing here re-uploads without a new entry
      const removes = current === token;
      if (leftInPlace.delete(`${key}=${token}`)) expect(current).toBeDefined(); // it, or a later change's entry, never nothing
      if (reuploadsAfterTakedown.delete(`${key}=${token}`)) expect(removes).toBe(true);
      const input = { tenant: TENANT, key, token, requestId, executionName: requestId };
      const result = await expire(input);
      expect(result).toEqual({ ...address, removed: removes });
      if (removes) {
        model.delete(key);
        seen.removed++;
      } else if (current !== undefined) {
        // A later change's entry: it stays, for its own expiry.
        expect(await entries.get(key)).toBe(current);
        leftInPlace.add(`${key}=${current}`);
        if (token === DENIED) {
          reuploadsAfterTakedown.add(`${key}=${current}`);
          seen.reuploadedSince++;
        } else if (current === DENIED) seen.deniedSince++;
        else seen.superseded++;
      } else seen.foundNothing++;
      expiriesRun++;
      if (expiriesRun % RETRY_EXPIRY_EVERY === 0) {
        // A retry that lost its answer: the same answer, and the store as it was.
        const before = slotOf(key);
        expect(await expire({ ...input, executionName: `${requestId.slice(0, 60)}-retry` })).toEqual(result);
        expect(slotOf(key)).toBe(before);
        seen.retries++;
      }
      if (expiriesRun % REDRIVE_EXPIRY_EVERY === 0) {
        // Past the idempotency records: the removal runs again and finds nothing of its own to remove.
        const before = slotOf(key);
        expect(await lateExpire({ ...input, executionName: `${requestId.slice(0, 60)}-redrive` })).toEqual({ ...address, removed: false });
        expect(slotOf(key)).toBe(before);
        seen.redrives++;
      }
    }

    async function expireUntil(time: number) {
      while (expiries.length > 0 && expiries[0]!.due <= time) {
        const next = expiries.shift()!;
        clock = next.due;
        await runExpiry(next);
      }
      clock = time;
    }

    /** The store scanned slot by slot: its entries, its fullest slot, its bytes. */
    function measure() {
      let count = 0;
      let fullest = 0;
      for (const value of kvs.values()) {
        if (value === EMPTY_SLOT) continue;
        const n = value.split(' ').length;
        count += n;
        fullest = Math.max(fullest, n);
      }
      return { count, fullest, bytes: totalBytes() };
    }
    const changesInWindow = () => changeLog.filter(({ time }) => time > clock - WINDOW_MS);

    const rounds: Array<ReturnType<typeof measure>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = START + round * WINDOW_MS;
      await expireUntil(start);
      const plan = roundPlan(round, hot);
      for (const key of [...firstUploadsOf(round, plan), ...(round === 0 ? hot : [])]) await store(key, { first: true });
      for (let step = 0; step < plan.length; step++) {
        await expireUntil(start + step * STEP_MS + STEP_MS / 2);
        const { kind, key } = plan[step]!;
        const n = round * CHANGES_PER_ROUND + step;
        if (kind === 'upload') await reupload(key, n);
        else await takedown(key, n);
        changeLog.push({ time: clock, key });
        changed.add(key);
      }

      // Redrives of uploads that are no longer current (past their idempotency records): a hot
      // original's upload before its latest, a taken-down original's last upload. Neither writes.
      const stale = [{ key: hot[round % HOT]!, back: 2 }, ...(round > 0 ? [{ key: goneKey(round, round % GONE), back: 1 }] : [])];
      for (const { key, back } of stale) {
        const earlier = uploads.get(key)!.at(-back)!;
        const before = slotOf(key);
        expect(await lateAdvance({ ...earlier, executionName: `redrive-${earlier.etag}` })).toMatchObject({ written: false });
        expect(slotOf(key)).toBe(before);
        seen.lateUploads++;
      }

      // The bound: the changes of the last window, in entries and in bytes.
      const now = measure();
      rounds.push(now);
      const window = changesInWindow();
      expect(window).toHaveLength(CHANGES_PER_ROUND);
      expect(now.count).toBeLessThanOrEqual(window.length);
      expect(now.bytes).toBeLessThanOrEqual(storeBytes(window.length, 0).total);
      // Exactly: one entry for each original changed within the window, its latest change's.
      expect(now.count).toBe(model.size);
      expect(new Set(model.keys())).toEqual(new Set(window.map(({ key }) => key)));
      expect(now.fullest).toBeLessThanOrEqual(MAX_SLOT_ENTRIES);
      expect(slotOf(hot[0]!).split(' ').length).toBeGreaterThanOrEqual(HOT); // every hot original's latest token, in one slot
      for (const [key, token] of model) expect(await entries.get(key)).toBe(token);
    }

    // The hot originals' latest tokens stay until their own expiry, a window after their last upload, and then go.
    const lastOfHot = hot.map((key) => expiries.filter((expiry) => expiry.key === key).at(-1)!).sort((a, b) => a.due - b.due);
    for (const { key, token, due } of lastOfHot) {
      await expireUntil(due - 1);
      expect(await entries.get(key)).toBe(token);
      await expireUntil(due);
      expect(await entries.get(key)).toBeUndefined();
    }
    await expireUntil(expiries.at(-1)!.due);

    // Nothing leaks: the store is the seed again, byte for byte.
    expect(expiries).toEqual([]);
    expect(model.size).toBe(0);
    expect(leftInPlace).toEqual(new Set());
    expect(reuploadsAfterTakedown).toEqual(new Set());
    expect(kvs.get(hotSlot)).toBe(EMPTY_SLOT);
    const seed = freshnessSeed();
    expect([...kvs.keys()]).toEqual(seed.map(([key]) => key));
    expect([...kvs].filter(([, value]) => value !== EMPTY_SLOT)).toEqual([]);
    expect(totalBytes()).toBe(storeBytes(0, 0).total);

    // What ran, and what each expiry found.
    expect(changeLog).toHaveLength(ROUNDS * CHANGES_PER_ROUND);
    expect(expiriesRun).toBe(ROUNDS * CHANGES_PER_ROUND);
    expect(seen.superseded).toBe(HOT * (HOT_UPLOADS * ROUNDS - 1));
    expect(seen.reuploadedSince).toBe(RETURNING * ROUNDS);
    expect(seen.deniedSince).toBe(GONE * (ROUNDS - 1));
    expect(seen.foundNothing).toBe(0);
    expect(seen.removed).toBe(expiriesRun - seen.superseded - seen.reuploadedSince - seen.deniedSince);
    // Without the removals the store would hold an entry per original ever changed: the bound is what holds it.
    const peak = Math.max(...rounds.map((r) => r.count));
    expect(peak).toBeLessThanOrEqual(CHANGES_PER_ROUND);
    expect(peak).toBeLessThan(changed.size / 5);
    expect(Math.max(...rounds.map((r) => r.fullest))).toBeGreaterThanOrEqual(HOT);
    expect(seen.lateUploads).toBe(2 * ROUNDS - 1);
    expect(seen.retries).toBe(Math.floor(expiriesRun / RETRY_EXPIRY_EVERY));
    expect(seen.redrives).toBe(Math.floor(expiriesRun / REDRIVE_EXPIRY_EVERY));
    expect(seen.duplicates).toBeGreaterThan((ROUNDS * CHANGES_PER_ROUND) / DUPLICATE_UPLOAD_EVERY);
  }, 180_000);
});
