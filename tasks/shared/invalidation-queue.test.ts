import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  DONE_RETENTION_SECONDS,
  InvalidationQueue,
  invalidationQueueTable,
  MAX_DRAIN_BYTES,
  MAX_DRAIN_ITEMS,
  MAX_QUEUE_ID_LENGTH,
  MAX_QUEUE_ITEM_BYTES,
  MAX_QUEUED_PATH_BYTES,
  MAX_REMEMBERED_REQUESTS,
  REPLAY_WINDOW_SECONDS,
} from './invalidation-queue.ts';
import { itemBytes, startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import { useLocalDynamo } from '../../test/support/tasks.ts';

const local = useLocalDynamo();

// Later than any real clock these tests run by, so the emulator's own sweeper (real time) never expires their items.
const START = Date.UTC(2030, 0, 1);

let clock: number;
let queue: InvalidationQueue;
beforeEach(async () => {
  clock = START;
  queue = await local.queue(() => new Date(clock));
});

/** Moves the clock on, so each enqueue is later than the one before. */
const tick = (ms = 1_000) => (clock += ms);

async function item(path: string, documents = local.documents, table = queue.tableName) {
  const out = await documents.send(new GetCommand({ TableName: table, Key: { path } }));
  return out.Item;
}

/** A path of exactly MAX_QUEUED_PATH_BYTES in UTF-8: 2,001 characters of them two-byte. */
const LONGEST = `/${'é'.repeat(1_000)}${'x'.repeat(MAX_QUEUED_PATH_BYTES - 2_001)}`;

const versionOf = async (path: string) => (await item(path))!.version as number;
const remembered = async (path: string) => Object.keys((await item(path))!.requests as object).length;

async function enqueueInOrder(paths: readonly string[], requestId = 'r1') {
  for (const path of paths) {
    tick();
    await queue.enqueue(path, requestId);
  }
}

describe('enqueue', () => {
  it('records a new path as pending, its first version the time in ms, and remembers the request by a hash', async () => {
    expect(await queue.enqueue('/demo/a.jpg?fmt=webp&q=75&w=640', 'takedown-1')).toBe('enqueued');
    const { requests, ...rest } = (await item('/demo/a.jpg?fmt=webp&q=75&w=640'))!;
    expect(rest).toEqual({ path: '/demo/a.jpg?fmt=webp&q=75&w=640', status: 'pending', version: START, enqueuedAt: '2030-01-01T00:00:00.000Z' });
    expect(Object.entries(requests as object)).toEqual([[expect.stringMatching(/^[\w-]{22}$/), START / 1_000]]);
    expect(JSON.stringify(requests)).not.toContain('takedown-1');
  });

  it('changes nothing for a replayed request', async () => {
    await queue.enqueue('/p', 'r1');
    tick();
    expect(await queue.enqueue('/p', 'r1')).toBe('alreadyQueued');
    expect(await item('/p')).toMatchObject({ version: START, enqueuedAt: '2030-01-01T00:00:00.000Z' });
    expect(await remembered('/p')).toBe(1);
  });

  it('keeps a path already pending as one item with its place in line, one version per request', async () => {
    await queue.enqueue('/p', 'r1');
    tick();
    expect(await queue.enqueue('/p', 'r2')).toBe('enqueued');
    expect(await item('/p')).toMatchObject({ status: 'pending', version: START + 1, enqueuedAt: '2030-01-01T00:00:00.000Z' });
    expect(await remembered('/p')).toBe(2);
  });

  it('makes a submitted path pending again with a new version and a new place in line', async () => {
    await queue.enqueue('/p', 'r1');
    await queue.claim('b1', [{ path: '/p', version: START }]);
    await queue.markSubmitted('b1', 'I1', [{ path: '/p', version: START }]);
    tick();
    expect(await queue.enqueue('/p', 'r2')).toBe('enqueued');
    const { requests, ...rest } = (await item('/p'))!;
    expect(rest).toEqual({ path: '/p', status: 'pending', version: START + 1, enqueuedAt: '2030-01-01T00:00:01.000Z' });
    expect(Object.keys(requests as object)).toHaveLength(2);
    expect(await queue.drain()).toEqual([{ path: '/p', version: START + 1 }]);
  });

  it('leaves a claimed path claimed, with the version moved on', async () => {
    await queue.enqueue('/p', 'r1');
    await queue.claim('b1', [{ path: '/p', version: START }]);
    await queue.enqueue('/p', 'r2');
    expect(await item('/p')).toMatchObject({ status: 'claimed', batchId: 'b1', claimedVersion: START, version: START + 1 });
  });

  it('records each of many concurrent requests for one path', async () => {
    const requests = ['r1', 'r2', 'r3'];
    await Promise.all(requests.map((r) => queue.enqueue('/p', r)));
    expect(await item('/p')).toMatchObject({ version: START + 2 });
    expect(await remembered('/p')).toBe(3);
    for (const r of requests) expect(await queue.enqueue('/p', r)).toBe('alreadyQueued');
  });

  it(`takes a path of up to MAX_QUEUED_PATH_BYTES (${MAX_QUEUED_PATH_BYTES}) in UTF-8, and refuses one byte more or a path without "/"`, async () => {
    expect(Buffer.byteLength(LONGEST)).toBe(MAX_QUEUED_PATH_BYTES);
    expect(await queue.enqueue(LONGEST, 'r1')).toBe('enqueued');
    await expect(queue.enqueue(`${LONGEST}x`, 'r1')).rejects.toThrow(RangeError);
    await expect(queue.enqueue('demo/a.jpg', 'r1')).rejects.toThrow(RangeError);
    expect(await queue.drain()).toEqual([{ path: LONGEST, version: START }]);
  });

  it('reads a request id of the old string set as remembered, and replaces the set with the bounded memory on the next enqueue', async () => {
    const old = Array.from({ length: 40 }, (_, i) => `upload-${i}`);
    await local.documents.send(
      new PutCommand({ TableName: queue.tableName, Item: { path: '/p', status: 'done', version: 7, requestIds: new Set(old), enqueuedAt: '2025-01-01T00:00:00.000Z', batchId: 'b', claimedVersion: 7, invalidationId: 'I', submittedAt: '2025-01-01T00:01:00.000Z' } }),
    );
    expect(await queue.enqueue('/p', 'upload-3')).toBe('alreadyQueued');
    expect(await queue.enqueue('/p', 'takedown-1')).toBe('enqueued');
    const converted = (await item('/p'))!;
    expect(converted).toMatchObject({ status: 'pending', version: 8 });
    expect(converted.requestIds).toBeUndefined();
    expect(Object.keys(converted.requests as object)).toHaveLength(MAX_REMEMBERED_REQUESTS);
    for (const id of [...old, 'takedown-1']) expect(await queue.enqueue('/p', id)).toBe('alreadyQueued');
    expect(await versionOf('/p')).toBe(8);
  });
});

describe('drain', () => {
  it('returns pending paths oldest first, and nothing claimed or submitted', async () => {
    await enqueueInOrder(['/c', '/a', '/b', '/claimed']);
    await queue.claim('b1', [{ path: '/claimed', version: await versionOf('/claimed') }]);
    expect(await queue.drain()).toEqual([
      { path: '/c', version: START + 1_000 },
      { path: '/a', version: START + 2_000 },
      { path: '/b', version: START + 3_000 },
    ]);
  });

  it(`returns MAX_DRAIN_ITEMS (${MAX_DRAIN_ITEMS}) pending paths, and leaves the newest beyond them`, async () => {
    const paths = Array.from({ length: MAX_DRAIN_ITEMS }, (_, i) => `/demo/${i}.jpg`);
    await Promise.all(paths.map((path) => queue.enqueue(path, 'r1')));
    expect(await queue.drain()).toHaveLength(MAX_DRAIN_ITEMS);

    await enqueueInOrder(['/demo/newest.jpg']);
    const drained = await queue.drain();
    expect(drained).toHaveLength(MAX_DRAIN_ITEMS);
    expect(drained.map((d) => d.path)).not.toContain('/demo/newest.jpg');
  });

  it(`returns paths of up to exactly MAX_DRAIN_BYTES (${MAX_DRAIN_BYTES}) in UTF-8, and stops at the first that would pass it`, async () => {
    // `/000` then 510 two-byte characters: 1,024 bytes in 514 characters.
    const paths = Array.from({ length: MAX_DRAIN_BYTES / 1_024 }, (_, i) => `/${String(i).padStart(3, '0')}${'é'.repeat(510)}`);
    await enqueueInOrder(paths);
    expect((await queue.drain()).map((d) => d.path)).toEqual(paths);

    await enqueueInOrder(['/y', '/z']);
    expect((await queue.drain()).map((d) => d.path)).toEqual(paths);
  });
});

describe('claim', () => {
  it('claims items pending at their planned version, and no others', async () => {
    await enqueueInOrder(['/a', '/b']);
    const [a, b] = await queue.drain();
    await queue.enqueue('/b', 'r2');
    expect(await queue.claim('b1', [a!, b!, { path: '/absent', version: 1 }])).toBe(1);
    expect(await item('/a')).toMatchObject({ status: 'claimed', batchId: 'b1', claimedVersion: a!.version });
    expect(await item('/b')).toMatchObject({ status: 'pending', version: b!.version + 1 });
    expect(await item('/absent')).toBeUndefined();
  });

  it('counts items already claimed by the same batch, never those of another', async () => {
    await enqueueInOrder(['/a']);
    const items = await queue.drain();
    expect(await queue.claim('b1', items)).toBe(1);
    expect(await queue.claim('b1', items)).toBe(1);
    expect(await queue.claim('b2', items)).toBe(0);
    expect(await item('/a')).toMatchObject({ batchId: 'b1' });
  });

  it(`refuses a batch id longer than MAX_QUEUE_ID_LENGTH (${MAX_QUEUE_ID_LENGTH})`, async () => {
    await enqueueInOrder(['/a']);
    const items = await queue.drain();
    await expect(queue.claim('b'.repeat(MAX_QUEUE_ID_LENGTH + 1), items)).rejects.toThrow(RangeError);
    expect(await queue.claim('b'.repeat(MAX_QUEUE_ID_LENGTH), items)).toBe(1);
  });
});

describe('markSubmitted', () => {
  it('submits the items claimed by the batch, again on a replay', async () => {
    await enqueueInOrder(['/a', '/b']);
    const items = await queue.drain();
    await queue.claim('b1', items);
    expect(await queue.markSubmitted('b1', 'I1', items)).toBe(2);
    expect(await queue.markSubmitted('b1', 'I1', items)).toBe(2);
    expect(await item('/a')).toMatchObject({ status: 'submitted', batchId: 'b1', invalidationId: 'I1', submittedAt: '2030-01-01T00:00:02.000Z' });
  });

  it('returns an item requested again since the claim to pending, keeping its place in line', async () => {
    await enqueueInOrder(['/a']);
    const items = await queue.drain();
    await queue.claim('b1', items);
    await queue.enqueue('/a', 'r2');
    expect(await queue.markSubmitted('b1', 'I1', items)).toBe(0);
    const { requests, ...rest } = (await item('/a'))!;
    expect(rest).toEqual({ path: '/a', status: 'pending', version: items[0]!.version + 1, enqueuedAt: '2030-01-01T00:00:01.000Z' });
    expect(Object.keys(requests as object)).toHaveLength(2);
  });

  it("never touches another batch's items", async () => {
    await enqueueInOrder(['/a']);
    const items = await queue.drain();
    await queue.claim('b1', items);
    expect(await queue.markSubmitted('b2', 'I2', items)).toBe(0);
    expect(await item('/a')).toMatchObject({ status: 'claimed', batchId: 'b1' });
  });
});

describe('batches and invalidations in the table', () => {
  it('lists claimed batches with the versions they were claimed at', async () => {
    await enqueueInOrder(['/a', '/b', '/c']);
    const [a, b, c] = await queue.drain();
    await queue.claim('b1', [a!, b!]);
    await queue.claim('b2', [c!]);
    await queue.enqueue('/a', 'r2');
    expect(await queue.claimedBatches()).toEqual([
      { batchId: 'b1', items: [a, b] },
      { batchId: 'b2', items: [c] },
    ]);
  });

  it('lists submitted invalidations, and marks a completed one done, to expire, unless a path was requested again', async () => {
    await enqueueInOrder(['/a', '/b*', '/c']);
    const [a, b, c] = await queue.drain();
    await queue.claim('b1', [a!, b!]);
    await queue.markSubmitted('b1', 'I1', [a!, b!]);
    await queue.claim('b2', [c!]);
    await queue.markSubmitted('b2', 'I2', [c!]);
    expect(await queue.submittedInvalidations()).toEqual([
      { invalidationId: 'I1', paths: ['/a', '/b*'] },
      { invalidationId: 'I2', paths: ['/c'] },
    ]);

    await queue.enqueue('/a', 'r2');
    tick();
    await queue.markDone({ invalidationId: 'I1', paths: ['/a', '/b*'] });
    expect(await item('/a')).toMatchObject({ status: 'pending', version: a!.version + 1 });
    expect((await item('/a'))!.expiresAt).toBeUndefined();
    expect(await item('/b*')).toMatchObject({ status: 'done', expiresAt: Math.floor(clock / 1_000) + DONE_RETENTION_SECONDS });
    expect(await queue.submittedInvalidations()).toEqual([{ invalidationId: 'I2', paths: ['/c'] }]);
  });
});

describe('bounded items, expiring items', () => {
  // An emulator of its own: its sweeper on the test's clock, and dynalite refusing any write past the bound.
  let dynamo: LocalDynamo;
  let documents: DynamoDBDocumentClient;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ now: () => clock, ttlSweepIntervalMs: 0, maxItemSizeKb: MAX_QUEUE_ITEM_BYTES / 1_024 });
    documents = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo?.close());

  async function boundedQueue() {
    const table = `bounded-queue-${++tables}`;
    await dynamo.createTableFrom(invalidationQueueTable(table));
    return new InvalidationQueue(documents, table, () => new Date(clock));
  }

  async function everyItem(table: string) {
    const out = await dynamo.client.send(new ScanCommand({ TableName: table }));
    return out.Items ?? [];
  }

  /** The largest item's size as DynamoDB counts it, and how many items the table holds. */
  async function measure(table: string) {
    const items = await everyItem(table);
    return { largest: Math.max(0, ...items.map(itemBytes)), items: items.length };
  }

  it(`remembers MAX_REMEMBERED_REQUESTS (${MAX_REMEMBERED_REQUESTS}) requests in the item; past that the oldest go to markers, and a replay of any is still a replay`, async () => {
    const q = await boundedQueue();
    const requests = Array.from({ length: 3 * MAX_REMEMBERED_REQUESTS }, (_, i) => `replace:demo/a.jpg@etag-${i}`);
    for (const r of requests.slice(0, MAX_REMEMBERED_REQUESTS)) {
      tick();
      expect(await q.enqueue(LONGEST, r)).toBe('enqueued');
    }
    const atTheEdge = await measure(q.tableName);
    expect(atTheEdge.items).toBe(1); // all in the item: no marker yet
    expect(atTheEdge.largest).toBeLessThanOrEqual(MAX_QUEUE_ITEM_BYTES);

    for (const r of requests.slice(MAX_REMEMBERED_REQUESTS)) {
      tick();
      expect(await q.enqueue(LONGEST, r)).toBe('enqueued');
    }
    const past = await measure(q.tableName);
    expect(past.items).toBe(1 + 2 * MAX_REMEMBERED_REQUESTS); // one marker per request the item let go
    expect(past.largest).toBeLessThanOrEqual(MAX_QUEUE_ITEM_BYTES);
    // One attribute more (spilledUntil, 18 bytes), numbers a byte longer or shorter: no growth with the requests.
    expect(past.largest - atTheEdge.largest).toBeLessThan(30);
    const version = (await item(LONGEST, documents, q.tableName))!.version as number;
    for (const r of requests) expect(await q.enqueue(LONGEST, r)).toBe('alreadyQueued');
    expect((await item(LONGEST, documents, q.tableName))!.version).toBe(version);
    expect(await q.drain()).toEqual([{ path: LONGEST, version }]);
  });

  it(`keeps the largest item within MAX_QUEUE_ITEM_BYTES (${MAX_QUEUE_ITEM_BYTES}) at every step: LONGEST path and ids, full memory, claimed, requested again, submitted, done`, async () => {
    const q = await boundedQueue();
    const batchId = 'inv-'.padEnd(MAX_QUEUE_ID_LENGTH, 'b');
    const invalidationId = 'I'.padEnd(MAX_QUEUE_ID_LENGTH, '9');
    const sizes: number[] = [];
    const step = async () => sizes.push((await measure(q.tableName)).largest);
    for (let i = 0; i < 2 * MAX_REMEMBERED_REQUESTS; i++) {
      tick();
      await q.enqueue(LONGEST, `request-${i}`);
    }
    await step();
    let [pending] = await q.drain();
    await q.claim(batchId, [pending!]);
    await step();
    await q.enqueue(LONGEST, 'while-claimed');
    await step();
    expect(await q.markSubmitted(batchId, invalidationId, [pending!])).toBe(0); // back to pending
    [pending] = await q.drain();
    await q.claim(batchId, [pending!]);
    expect(await q.markSubmitted(batchId, invalidationId, [pending!])).toBe(1);
    await step();
    await q.markDone({ invalidationId, paths: [LONGEST] });
    await step();
    expect(await item(LONGEST, documents, q.tableName)).toMatchObject({ status: 'done', batchId, invalidationId });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_QUEUE_ITEM_BYTES);
    expect(Math.max(...sizes)).toBeGreaterThan(MAX_QUEUE_ITEM_BYTES * 0.7); // the bound is not loose
  });

  it(`keeps a done path's requests replays for REPLAY_WINDOW_SECONDS (${REPLAY_WINDOW_SECONDS / 86_400} days); a new request queues it again`, async () => {
    const q = await boundedQueue();
    await q.enqueue('/p', 'takedown-1');
    const sent = await q.drain();
    await q.claim('b1', sent);
    await q.markSubmitted('b1', 'I1', sent);
    await q.markDone({ invalidationId: 'I1', paths: ['/p'] });
    tick(REPLAY_WINDOW_SECONDS * 1_000 - 2_000);
    expect(await q.enqueue('/p', 'takedown-1')).toBe('alreadyQueued');
    expect(await q.drain()).toEqual([]);
    expect(await q.enqueue('/p', 'takedown-2')).toBe('enqueued');
    expect(await q.drain()).toEqual([{ path: '/p', version: sent[0]!.version + 1 }]);
  });

  it('treats an expired item as gone before the sweeper deletes it, starts the path afresh at a higher version, and the sweeper then deletes the expired only', async () => {
    const q = await boundedQueue();
    for (const path of ['/old', '/kept']) await q.enqueue(path, 'r1');
    const sent = await q.drain();
    await q.claim('b1', sent);
    await q.markSubmitted('b1', 'I1', sent);
    await q.markDone({ invalidationId: 'I1', paths: ['/old', '/kept'] });
    const old = (await item('/old', documents, q.tableName))!;

    tick(DONE_RETENTION_SECONDS * 1_000);
    expect(await item('/old', documents, q.tableName)).toMatchObject({ status: 'done' }); // expired, not deleted yet
    // Past the window a request is new whatever its id: the expired item's memory is not read.
    expect(await q.enqueue('/old', 'r1')).toBe('enqueued');
    const fresh = (await item('/old', documents, q.tableName))!;
    expect(fresh).toMatchObject({ status: 'pending', enqueuedAt: new Date(clock).toISOString() });
    expect(fresh.version).toBeGreaterThan(old.version as number);
    expect(fresh.expiresAt).toBeUndefined();
    expect(Object.keys(fresh.requests as object)).toHaveLength(1);

    await dynamo.sweepExpired();
    expect(await item('/kept', documents, q.tableName)).toBeUndefined();
    expect((await measure(q.tableName)).items).toBe(1);
    expect(await q.drain()).toEqual([{ path: '/old', version: fresh.version }]);
  });

  it('lets markers go with the replay window, and a request the marker remembered is new past it', async () => {
    const q = await boundedQueue();
    for (let i = 0; i <= MAX_REMEMBERED_REQUESTS; i++) {
      tick();
      await q.enqueue('/p', `r${i}`);
    }
    expect((await measure(q.tableName)).items).toBe(2);
    tick(REPLAY_WINDOW_SECONDS * 1_000 - (MAX_REMEMBERED_REQUESTS + 1) * 1_000);
    expect(await q.enqueue('/p', 'r0')).toBe('alreadyQueued'); // one second before its marker expires
    tick();
    await dynamo.sweepExpired();
    expect((await measure(q.tableName)).items).toBe(1); // the marker is gone, the item stays
    expect(await q.enqueue('/p', 'r0')).toBe('enqueued');
  });
});
