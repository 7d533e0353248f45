/**
 * The originals reader tells a slow region from a failing one: past
 * ORIGIN_REGION_TIMEOUT_MS it asks the next replica as well, keeps the slow
 * request, and fails a region over only on a real fault (an error, no answer
 * while another region answered, none within the read's budget).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceTooLarge, StoreUnavailable } from '../errors.ts';
import type { OriginalsRegion } from '../regions.ts';
import type { ObjectStore, PutOptions, ReadOptions, StoredObject } from './object-store.ts';
import { createOriginalsReader, type LogEntry, ORIGIN_REGION_TIMEOUT_MS, REGION_FAILED_MESSAGE, REGION_PENALTY_MS } from './originals-reader.ts';

/** One pending GET: the test answers it (or not) when it wants. */
interface PendingGet {
  readonly key: string;
  readonly signal: AbortSignal | undefined;
  /** S3 starts answering: the headers are in. */
  respond(): void;
  succeed(body?: string): void;
  notFound(): void;
  fail(error: Error): void;
}

/** A replica whose GETs wait for the test; aborting a GET's signal fails it, as the S3 store does. */
class ControlledStore implements ObjectStore {
  readonly gets: PendingGet[] = [];
  constructor(readonly bucket: string) {}

  get(key: string, options: ReadOptions): Promise<StoredObject | undefined> {
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(new StoreUnavailable(`${this.bucket} aborted`)), { once: true });
      this.gets.push({
        key,
        signal: options.signal,
        respond: () => options.onResponse?.(),
        succeed: (body = this.bucket) => {
          options.onResponse?.();
          resolve({ body: Buffer.from(body), contentType: 'image/jpeg', cacheControl: undefined });
        },
        notFound: () => resolve(undefined),
        fail: reject,
      });
    });
  }
  async exists(): Promise<boolean> {
    throw new Error('unused');
  }
  async put(_key: string, _body: Buffer, _options: PutOptions): Promise<void> {
    throw new Error('unused');
  }
  async putIfAbsent(): Promise<'created' | 'exists'> {
    throw new Error('unused');
  }
  async delete(): Promise<void> {
    throw new Error('unused');
  }
  // eslint-disable-next-line require-yield
  async *list(): AsyncIterable<string> {
    throw new Error('unused');
  }
}

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] };
/** The fake clock runs the turn of the loop a deadline waits one millisecond later. */
const LOOP_TURN_MS = 1;

let near: ControlledStore;
let middle: ControlledStore;
let far: ControlledStore;
let logs: LogEntry[];
let clock: number;

/** near, middle and far in `regions`' order: by default as the shield Region sees them, where uploads land first. */
function reader(regions: readonly [OriginalsRegion, OriginalsRegion, OriginalsRegion] = ['us-east-1', 'eu-west-1', 'ap-northeast-1']) {
  return createOriginalsReader({
    originals: [near, middle, far].map((store, i) => ({ region: regions[i]!, store })),
    log: (entry) => logs.push(entry),
    now: () => clock,
  });
}
/** As the edge of a Region without uploads sees them: its own replica first, the upload region (UPLOAD_REGION) last. */
const replicaFirstReader = () => reader(['eu-west-1', 'ap-northeast-1', 'us-east-1']);
const failovers = () => logs.filter((entry) => entry.message === REGION_FAILED_MESSAGE).map((entry) => entry.region);
/** Lets the promise callbacks between the stores and the reader run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers(FAKE);
  near = new ControlledStore('near');
  middle = new ControlledStore('middle');
  far = new ControlledStore('far');
  logs = [];
  clock = 1_000_000;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('a region that is slow to start answering', () => {
  it('gets ORIGIN_REGION_TIMEOUT_MS to itself: only then is the next replica asked as well', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    await vi.advanceTimersByTimeAsync(ORIGIN_REGION_TIMEOUT_MS - 1);
    expect([near.gets.length, middle.gets.length]).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    expect([near.gets.length, middle.gets.length, far.gets.length]).toEqual([1, 1, 0]);
    expect(near.gets[0]?.signal?.aborted).toBe(false); // the slow request is kept
    near.gets[0]?.succeed();
    await expect(read).resolves.toEqual({ region: 'us-east-1', body: Buffer.from('near') });
  });

  it('is no failover when it answers first after all, as on a slow machine where every region is slow', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await vi.advanceTimersByTimeAsync(ORIGIN_REGION_TIMEOUT_MS + 500);
    near.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'us-east-1' });
    expect(failovers()).toEqual([]);
    expect(middle.gets[0]?.signal?.aborted).toBe(true); // the hedge is cancelled
    // Not penalized: the next read asks it first, and only it.
    const next = reader().read('demo/b.jpg', 1_000);
    await settle();
    expect(near.gets).toHaveLength(2);
    near.gets[1]?.succeed();
    await next;
  });

  it('is not hedged once it has started answering: a slow body is bandwidth, not an outage', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.respond();
    await vi.advanceTimersByTimeAsync(2 * ORIGIN_REGION_TIMEOUT_MS);
    expect(middle.gets).toHaveLength(0);
    near.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'us-east-1' });
    expect(failovers()).toEqual([]);
  });
});

describe('a region that hangs', () => {
  it('fails over once the next region answers first, and is tried last for REGION_PENALTY_MS', async () => {
    const shared = reader();
    const read = shared.read('demo/a.jpg', 1_000);
    await vi.advanceTimersByTimeAsync(ORIGIN_REGION_TIMEOUT_MS + LOOP_TURN_MS);
    middle.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'eu-west-1' });
    expect(failovers()).toEqual(['us-east-1']);
    expect(near.gets[0]?.signal?.aborted).toBe(true); // no socket left behind

    const next = shared.read('demo/b.jpg', 1_000);
    await settle();
    expect([near.gets.length, middle.gets.length]).toEqual([1, 2]);
    middle.gets[1]?.succeed();
    await next;

    clock += REGION_PENALTY_MS + 1;
    const later = shared.read('demo/c.jpg', 1_000);
    await settle();
    expect(near.gets).toHaveLength(2);
    near.gets[1]?.succeed();
    await expect(later).resolves.toMatchObject({ region: 'us-east-1' });
  });

  it('when every region hangs, answers OriginsUnavailable at the read’s budget (the timeout once per replica), aborting every request', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    const outcome = read.catch((error: unknown) => error);
    const budget = 3 * ORIGIN_REGION_TIMEOUT_MS;
    await vi.advanceTimersByTimeAsync(budget - 1);
    expect([near.gets.length, middle.gets.length, far.gets.length]).toEqual([1, 1, 1]);
    let settled = false;
    void outcome.then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    expect(await outcome).toMatchObject({ name: 'OriginsUnavailable' });
    expect([near, middle, far].every((store) => store.gets[0]?.signal?.aborted)).toBe(true);
    expect(failovers()).toEqual(['us-east-1', 'eu-west-1', 'ap-northeast-1']);
  });
});

describe('a region that fails', () => {
  it('fails over at once on an error answer, without waiting for the timeout', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.fail(new StoreUnavailable('503'));
    await settle();
    expect(middle.gets).toHaveLength(1);
    middle.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'eu-west-1' });
    expect(failovers()).toEqual(['us-east-1']);
  });

  const reset = () => new StoreUnavailable('bucket near unavailable', { cause: Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }) });

  it('asks a region that reset the connection again, once, before failing it over: a keep-alive race is not an outage', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.fail(reset());
    await settle();
    expect([near.gets.length, middle.gets.length]).toEqual([2, 0]);
    near.gets[1]?.succeed();
    await expect(read).resolves.toEqual({ region: 'us-east-1', body: Buffer.from('near') });
    expect(failovers()).toEqual([]);
  });

  it('fails over a region that resets twice, and logs what it did under the StoreUnavailable', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.fail(reset());
    await settle();
    near.gets[1]?.fail(reset());
    await settle();
    middle.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'eu-west-1' });
    expect(failovers()).toEqual(['us-east-1']);
    expect(logs.find((entry) => entry.message === REGION_FAILED_MESSAGE)?.error).toMatch(/unavailable ← TimeoutError: socket hang up/);
  });

  it('looks in the next replica at once when one lacks the original (not replicated yet), with no failover', async () => {
    const read = replicaFirstReader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.notFound();
    await settle();
    middle.gets[0]?.succeed();
    await expect(read).resolves.toMatchObject({ region: 'ap-northeast-1' });
    expect(failovers()).toEqual([]);
  });

  it('takes a key missing where uploads land as gone: no replica the delete has not reached yet is asked', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.notFound(); // us-east-1: a quarantine or takedown deleted it
    await expect(read).resolves.toBeUndefined();
    expect([middle.gets.length, far.gets.length]).toEqual([0, 0]);
  });

  it('passes a refusal of the original itself through without asking another region', async () => {
    const read = reader().read('demo/a.jpg', 1_000);
    await settle();
    near.gets[0]?.fail(new SourceTooLarge('too large'));
    await expect(read).rejects.toBeInstanceOf(SourceTooLarge);
    expect(middle.gets).toHaveLength(0);
  });

  it('answers undefined when no replica has it, OriginsUnavailable when one that might could not answer', async () => {
    const none = replicaFirstReader().read('demo/a.jpg', 1_000);
    for (const store of [near, middle, far]) {
      await settle();
      store.gets[0]?.notFound();
    }
    await expect(none).resolves.toBeUndefined();

    const some = replicaFirstReader().read('demo/b.jpg', 1_000);
    await settle();
    near.gets[1]?.notFound();
    await settle();
    middle.gets[1]?.notFound();
    await settle();
    far.gets[1]?.fail(new StoreUnavailable('503')); // where uploads land: it might have it
    await expect(some).rejects.toMatchObject({ name: 'OriginsUnavailable' });
  });
});
