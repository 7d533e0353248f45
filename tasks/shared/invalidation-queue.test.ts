import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_DRAIN_BYTES, MAX_DRAIN_ITEMS, type InvalidationQueue } from './invalidation-queue.ts';
import { useLocalDynamo } from '../../test/support/tasks.ts';

const local = useLocalDynamo();

let clock: number;
let queue: InvalidationQueue;
beforeEach(async () => {
  clock = Date.UTC(2026, 0, 1);
  queue = await local.queue(() => new Date(clock));
});

/** Moves the clock on, so each enqueue is later than the one before. */
const tick = () => (clock += 1_000);

async function item(path: string) {
  const out = await local.documents.send(new GetCommand({ TableName: queue.tableName, Key: { path } }));
  return out.Item;
}

async function enqueueInOrder(paths: readonly string[], requestId = 'r1') {
  for (const path of paths) {
    tick();
    await queue.enqueue(path, requestId);
  }
}

describe('enqueue', () => {
  it('records a new path as pending at version 1', async () => {
    expect(await queue.enqueue('/demo/a.jpg?fmt=webp&q=75&w=640', 'r1')).toBe('enqueued');
    expect(await item('/demo/a.jpg?fmt=webp&q=75&w=640')).toEqual({
      path: '/demo/a.jpg?fmt=webp&q=75&w=640',
      status: 'pending',
      version: 1,
      requestIds: new Set(['r1']),
      enqueuedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('changes nothing for a replayed request', async () => {
    await queue.enqueue('/p', 'r1');
    tick();
    expect(await queue.enqueue('/p', 'r1')).toBe('alreadyQueued');
    expect(await item('/p')).toMatchObject({ version: 1, requestIds: new Set(['r1']) });
  });

  it('keeps a path already pending as one item with its place in line, one version per request', async () => {
    await queue.enqueue('/p', 'r1');
    tick();
    expect(await queue.enqueue('/p', 'r2')).toBe('enqueued');
    expect(await item('/p')).toMatchObject({ status: 'pending', version: 2, requestIds: new Set(['r1', 'r2']), enqueuedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('makes a submitted path pending again with a new version and a new place in line', async () => {
    await queue.enqueue('/p', 'r1');
    await queue.claim('b1', [{ path: '/p', version: 1 }]);
    await queue.markSubmitted('b1', 'I1', [{ path: '/p', version: 1 }]);
    tick();
    expect(await queue.enqueue('/p', 'r2')).toBe('enqueued');
    expect(await item('/p')).toEqual({
      path: '/p',
      status: 'pending',
      version: 2,
      requestIds: new Set(['r1', 'r2']),
      enqueuedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(await queue.drain()).toEqual([{ path: '/p', version: 2 }]);
  });

  it('leaves a claimed path claimed, with the version moved on', async () => {
    await queue.enqueue('/p', 'r1');
    await queue.claim('b1', [{ path: '/p', version: 1 }]);
    await queue.enqueue('/p', 'r2');
    expect(await item('/p')).toMatchObject({ status: 'claimed', batchId: 'b1', claimedVersion: 1, version: 2 });
  });

  it('records each of many concurrent requests for one path', async () => {
    const requests = ['r1', 'r2', 'r3'];
    await Promise.all(requests.map((r) => queue.enqueue('/p', r)));
    expect(await item('/p')).toMatchObject({ version: 3, requestIds: new Set(requests) });
  });
});

describe('drain', () => {
  it('returns pending paths oldest first, and nothing claimed or submitted', async () => {
    await enqueueInOrder(['/c', '/a', '/b', '/claimed']);
    await queue.claim('b1', [{ path: '/claimed', version: 1 }]);
    expect(await queue.drain()).toEqual([
      { path: '/c', version: 1 },
      { path: '/a', version: 1 },
      { path: '/b', version: 1 },
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
    await queue.enqueue('/b', 'r2');
    expect(await queue.claim('b1', [{ path: '/a', version: 1 }, { path: '/b', version: 1 }, { path: '/absent', version: 1 }])).toBe(1);
    expect(await item('/a')).toMatchObject({ status: 'claimed', batchId: 'b1', claimedVersion: 1 });
    expect(await item('/b')).toMatchObject({ status: 'pending', version: 2 });
  });

  it('counts items already claimed by the same batch, never those of another', async () => {
    await enqueueInOrder(['/a']);
    const items = [{ path: '/a', version: 1 }];
    expect(await queue.claim('b1', items)).toBe(1);
    expect(await queue.claim('b1', items)).toBe(1);
    expect(await queue.claim('b2', items)).toBe(0);
    expect(await item('/a')).toMatchObject({ batchId: 'b1' });
  });
});

describe('markSubmitted', () => {
  it('submits the items claimed by the batch, again on a replay', async () => {
    await enqueueInOrder(['/a', '/b']);
    const items = [{ path: '/a', version: 1 }, { path: '/b', version: 1 }];
    await queue.claim('b1', items);
    expect(await queue.markSubmitted('b1', 'I1', items)).toBe(2);
    expect(await queue.markSubmitted('b1', 'I1', items)).toBe(2);
    expect(await item('/a')).toMatchObject({ status: 'submitted', batchId: 'b1', invalidationId: 'I1', submittedAt: '2026-01-01T00:00:02.000Z' });
  });

  it('returns an item requested again since the claim to pending, keeping its place in line', async () => {
    await enqueueInOrder(['/a']);
    await queue.claim('b1', [{ path: '/a', version: 1 }]);
    await queue.enqueue('/a', 'r2');
    expect(await queue.markSubmitted('b1', 'I1', [{ path: '/a', version: 1 }])).toBe(0);
    expect(await item('/a')).toEqual({ path: '/a', status: 'pending', version: 2, requestIds: new Set(['r1', 'r2']), enqueuedAt: '2026-01-01T00:00:01.000Z' });
  });

  it("never touches another batch's items", async () => {
    await enqueueInOrder(['/a']);
    await queue.claim('b1', [{ path: '/a', version: 1 }]);
    expect(await queue.markSubmitted('b2', 'I2', [{ path: '/a', version: 1 }])).toBe(0);
    expect(await item('/a')).toMatchObject({ status: 'claimed', batchId: 'b1' });
  });
});

describe('batches and invalidations in the table', () => {
  it('lists claimed batches with the versions they were claimed at', async () => {
    await enqueueInOrder(['/a', '/b', '/c']);
    await queue.claim('b1', [{ path: '/a', version: 1 }, { path: '/b', version: 1 }]);
    await queue.claim('b2', [{ path: '/c', version: 1 }]);
    await queue.enqueue('/a', 'r2');
    expect(await queue.claimedBatches()).toEqual([
      { batchId: 'b1', items: [{ path: '/a', version: 1 }, { path: '/b', version: 1 }] },
      { batchId: 'b2', items: [{ path: '/c', version: 1 }] },
    ]);
  });

  it('lists submitted invalidations, and marks a completed one done unless a path was requested again', async () => {
    await enqueueInOrder(['/a', '/b*', '/c']);
    const first = [{ path: '/a', version: 1 }, { path: '/b*', version: 1 }];
    await queue.claim('b1', first);
    await queue.markSubmitted('b1', 'I1', first);
    await queue.claim('b2', [{ path: '/c', version: 1 }]);
    await queue.markSubmitted('b2', 'I2', [{ path: '/c', version: 1 }]);
    expect(await queue.submittedInvalidations()).toEqual([
      { invalidationId: 'I1', paths: ['/a', '/b*'] },
      { invalidationId: 'I2', paths: ['/c'] },
    ]);

    await queue.enqueue('/a', 'r2');
    await queue.markDone({ invalidationId: 'I1', paths: ['/a', '/b*'] });
    expect(await item('/a')).toMatchObject({ status: 'pending', version: 2 });
    expect(await item('/b*')).toMatchObject({ status: 'done' });
    expect(await queue.submittedInvalidations()).toEqual([{ invalidationId: 'I2', paths: ['/c'] }]);
  });
});
