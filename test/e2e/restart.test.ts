/**
 * A restart keeps what the stack was given: after a stop, a stack started on
 * the same state directory has the same originals (every region), variants,
 * deny list (451 still), executions, invalidations and queued invalidation
 * paths, and renders nothing again. `fresh` starts over with the samples only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENIED, ORIGINALS_REGIONS } from '../../core/index.ts';
import type { ObjectCreatedEvent } from '../../infra/local/s3-events.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { photo } from '../console/photo.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const UPLOADED = 'demo/restart/photo.jpg';
const TAKEN_DOWN = 'demo/samples/badge.png';
/** Taken down after the flush: its paths wait in the queue across the restart. */
const QUEUED = 'demo/samples/golden-ratio.gif';
const SAMPLES = ['demo/samples/landscape.jpg', 'demo/samples/badge.png', 'demo/samples/golden-ratio.gif'];
const NO_FLUSH = { pipeline: { flushEveryMs: 0, retryIntervalMs: 0 } } as const;

async function keys(list: AsyncIterable<string>): Promise<string[]> {
  const found: string[] = [];
  for await (const key of list) found.push(key);
  return found.sort();
}

/** What a restart must keep, read from the stack itself. */
async function snapshot(stack: LocalStack) {
  return {
    originals: Object.fromEntries(await Promise.all(ORIGINALS_REGIONS.map(async (region) => [region, await keys(stack.originals[region].list(''))] as const))),
    variants: await keys(stack.variants.list('')),
    executions: stack.pipeline.executions.list().map(({ id, status, error }) => ({ id, status, error })),
    invalidations: stack.pipeline.invalidations.records.map(({ id, paths }) => ({ id, paths })),
    queued: (await stack.pipeline.queue.drain()).map((item) => item.path).sort(),
    denied: [UPLOADED, ...SAMPLES].filter((key) => stack.freshnessEntry(key) === DENIED),
  };
}

describe('the local stack across a restart', () => {
  let directory: string;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let countedBefore: ReturnType<LocalStack['stats']>;
  let running: RunningStack | undefined;

  const takedown = (key: string) => running!.request('/_local/takedown', { method: 'POST', body: JSON.stringify({ tenant: 'demo', key, reason: 'restart test' }) });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'imgedge-restart-'));
    running = await startTestStack({ ...NO_FLUSH, state: { directory } });
    expect((await upload(running, UPLOADED, await photo(1200, 800), 'image/jpeg')).status).toBe(201);
    await settled(running);
    expect((await running.request(`/${UPLOADED}?w=640&fmt=webp`)).status).toBe(200);
    expect((await takedown(TAKEN_DOWN)).status).toBe(202);
    await settled(running);
    running.stack.pipeline.flush();
    await settled(running);
    expect((await takedown(QUEUED)).status).toBe(202);
    await settled(running);
    before = await snapshot(running.stack);
    await running.stop();
    countedBefore = running.stack.stats();
    running = await startTestStack({ ...NO_FLUSH, state: { directory } });
    await settled(running);
  }, 240_000);
  afterAll(async () => {
    await running?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('had something of every kind to keep', () => {
    expect(before.originals['us-east-1']).toContain(UPLOADED);
    expect(before.variants.filter((key) => key.startsWith(`${UPLOADED}/`))).toHaveLength(12);
    expect(before.denied).toEqual([TAKEN_DOWN, QUEUED]);
    expect(before.invalidations.length).toBeGreaterThan(0);
    expect(before.queued.length).toBeGreaterThan(0);
    // Each takedown's expiry waits its window (a day): paused, it runs again after the restart.
    const expiries = running!.stack.pipeline.executions.list({ stateMachine: 'expire-freshness' }).map((e) => e.id);
    expect(expiries.length).toBeGreaterThan(0);
    for (const { id, status } of before.executions) expect(status).toBe(expiries.includes(id) ? 'RUNNING' : 'SUCCEEDED');
  });

  it('finds the same originals, variants, executions, invalidations, queue and deny list, and uploads no sample again', async () => {
    expect(await snapshot(running!.stack)).toEqual(before);
  });

  it('counts on from the counters it kept', () => {
    const counted = running!.stack.stats();
    expect(countedBefore.requests).toBeGreaterThan(0);
    expect(countedBefore.pipeline.renders).toBeGreaterThanOrEqual(12);
    expect(counted).toMatchObject({ requests: countedBefore.requests, misses: countedBefore.misses, renders: countedBefore.renders });
    // Kept, then counted on (something reads the originals on start): a count that was not kept would start below.
    for (const region of ORIGINALS_REGIONS) expect(counted.originFetches[region]).toBeGreaterThanOrEqual(countedBefore.originFetches[region]);
    expect(countedBefore.originFetches['us-east-1']).toBeGreaterThan(0);
    expect(counted.pipeline.renders).toBe(countedBefore.pipeline.renders);
  });

  it('serves what it kept: the variant without a render, 451 for a taken-down original', async () => {
    const variant = await running!.request(`/${UPLOADED}?w=640&fmt=webp`);
    expect(variant.status).toBe(200);
    expect(variant.headers.get('content-type')).toBe('image/webp');
    expect((await running!.request(`/${TAKEN_DOWN}?w=256`)).status).toBe(451);
    const stats = running!.stack.stats();
    expect(stats.requests).toBe(countedBefore.requests + 2);
    expect(stats.renders + stats.pipeline.renders).toBe(countedBefore.renders + countedBefore.pipeline.renders);
  });

  it('starts over with only the seeded samples when fresh', async () => {
    await running!.stop();
    running = await startTestStack({ ...NO_FLUSH, state: { directory, fresh: true } });
    await settled(running);
    const fresh = await snapshot(running.stack);
    expect(fresh.originals['us-east-1']).toEqual([...SAMPLES].sort());
    expect(fresh.denied).toEqual([]);
    expect(fresh.queued).toEqual([]);
    expect(fresh.invalidations).toEqual([]);
    expect(new Set(fresh.executions.map((e) => e.status))).toEqual(new Set(['SUCCEEDED']));
    const uploads = running.stack.pipeline.executions.list({ stateMachine: 'upload' });
    expect(uploads.map((e) => (e.input as ObjectCreatedEvent).detail.object.key).sort()).toEqual([...SAMPLES].sort());
  });
});
