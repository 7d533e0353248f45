/**
 * Freshness without invalidation, on the local stack: a replaced original serves its new
 * bytes at every variant URL while the edge still holds the old ones under a day-long TTL
 * and no invalidation ever completes; a takedown answers 451; a re-upload after a takedown
 * serves the new image; a render of an earlier upload that finishes late is never served.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DENIED, EDGE_MAX_AGE_SECONDS, generationTokenOf } from '../../core/index.ts';
import type { ObjectCreatedEvent } from '../../infra/local/s3-events.ts';
import { colourOf, getVariant, servesEverywhere as servesAll, solidOriginal as original, variantNames as namesOf, type Colour, type VariantUrl } from '../support/colours.ts';
import { setFault, settled as settledStack, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

/** Variant URLs a page would use: explicit formats, fmt=auto for two browsers, another width. */
const URLS: readonly VariantUrl[] = [
  ['?w=256&fmt=webp', '*/*'],
  ['?w=640&fmt=jpeg', '*/*'],
  ['?w=640', 'image/avif,image/webp,*/*'],
  ['?w=1080', 'image/webp,*/*'],
];

const WAIT = { timeout: 20_000, interval: 50 };
/** Long enough for the edge's reads below to find the replicas still without the re-upload. */
const REPLICATION_LAG_MS = 15_000;

describe('freshness on the local stack', () => {
  let running: RunningStack;
  const pipeline = () => running.stack.pipeline;

  beforeAll(async () => {
    // No flush ever runs and no invalidation would complete: freshness must not need one.
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 0, invalidationCompletesAfterMs: 24 * 3600_000 } });
    await settled();
  });
  afterAll(() => running.stop());

  const settled = () => settledStack(running);

  const get = (key: string, url: VariantUrl) => getVariant(running, key, url);
  const servesEverywhere = (key: string, colour: Colour) => servesAll(running, key, URLS, colour);

  const uploadsOf = (key: string) => pipeline().executions.list({ stateMachine: 'upload' }).filter((e) => (e.input as ObjectCreatedEvent).detail.object.key === key);

  async function put(key: string, colour: Colour) {
    const before = uploadsOf(key).length;
    expect((await upload(running, key, await original(colour), 'image/jpeg')).status).toBe(201);
    await vi.waitFor(() => expect(uploadsOf(key).length).toBeGreaterThan(before), WAIT);
  }

  const entry = (key: string) => running.stack.freshnessEntry(key);

  const variantNames = (key: string) => namesOf(running, key);

  it('serves a replaced original at every variant URL while the edge still holds the old one, with no invalidation', async () => {
    const key = 'demo/fresh/replaced.jpg';
    await put(key, 'red');
    await settled();
    for (const url of URLS) await get(key, url);
    for (const url of URLS) {
      const cached = await get(key, url);
      expect(cached.cache).toBe('Hit from cloudfront');
      expect(await colourOf(cached.body)).toBe('red');
      expect(cached.cacheControl).toContain(`s-maxage=${EDGE_MAX_AGE_SECONDS}`);
    }
    const invalidations = pipeline().invalidations.records.length;

    await put(key, 'blue');
    await vi.waitFor(() => servesEverywhere(key, 'blue'), WAIT);
    await settled();
    await servesEverywhere(key, 'blue');
    expect(pipeline().invalidations.records.length).toBe(invalidations);
    expect(await pipeline().queue.drain()).toEqual([]);
    // Only the new generation's variants are left in the bucket.
    const token = entry(key);
    expect(token).toMatch(/^[0-9a-z]{8}$/);
    expect(entry(key)).not.toBe(DENIED);
    const names = await variantNames(key);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name?.generation === token)).toBe(true);
  });

  it.each([
    ['another image', 'green'],
    ['the same bytes again', 'red'],
  ] as const)('answers 451 at every URL once the takedown denied it, and serves a re-upload of %s after the takedown', async (_, again) => {
    const key = `demo/fresh/taken-down-${again}.jpg`;
    await put(key, 'red');
    await settled();
    for (const url of URLS) await get(key, url);

    const res = await running.request('/_local/takedown', { method: 'POST', body: JSON.stringify({ tenant: 'demo', key, reason: 'freshness test' }) });
    expect(res.status).toBe(202);
    await vi.waitFor(() => expect(entry(key)).toBe(DENIED), WAIT);
    for (const url of URLS) expect((await get(key, url)).status).toBe(451);
    await settled();

    await put(key, again);
    await vi.waitFor(() => servesEverywhere(key, again), WAIT);
    await settled();
    await servesEverywhere(key, again);
  });

  it("never serves, nor keeps, a render of the earlier upload that finishes after the re-upload's cleanup", async () => {
    const key = 'demo/fresh/race.jpg';
    const release = pipeline().faults.hold('RenderVariant');
    try {
      await put(key, 'red');
      const firstRender = () => pipeline().executions.list({ stateMachine: 'render' }).find((e) => (e.input as { key: string }).key === key);
      await vi.waitFor(() => expect(firstRender()).toBeDefined(), WAIT);
      await put(key, 'blue');
      // The re-upload is recorded, its generation moved and the first upload's variants deleted, while the first render still waits.
      await vi.waitFor(() => expect(uploadsOf(key).every((e) => e.status === 'SUCCEEDED')).toBe(true), WAIT);
      expect(firstRender()?.status).toBe('RUNNING');
    } finally {
      release();
    }
    await settled();

    const second = uploadsOf(key).find((e) => (e.output as { generation?: { token: string | null } }).generation?.token)!;
    const secondEtag = (second.input as ObjectCreatedEvent).detail.object.etag;
    const renders = pipeline().executions.list({ stateMachine: 'render' }).filter((e) => (e.input as { key: string }).key === key);
    expect(renders.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const statuses = (etag: string, same: boolean) =>
      new Set(renders.filter((e) => ((e.input as { etag: string }).etag === etag) === same).flatMap((e) => (e.output as { rendered: { variants: Array<{ status: string }> } }).rendered.variants.map((v) => v.status)));
    expect(statuses(secondEtag, false)).toEqual(new Set(['superseded']));
    expect(statuses(secondEtag, true)).toEqual(new Set(['created']));

    const token = generationTokenOf(`${key}@${secondEtag}`);
    expect(entry(key)).toBe(token);
    const names = await variantNames(key);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name?.generation === token)).toBe(true);
    await servesEverywhere(key, 'blue');
  });
  it('renders a re-upload only from a replica that has it: with replication lagging and the primary down, 503, never the old image; then the new one, and no old variant is kept', async () => {
    const key = 'demo/fresh/lagging.jpg';
    await put(key, 'red');
    await settled();
    running.stack.replicationDelayMs = REPLICATION_LAG_MS;
    const release = pipeline().faults.hold('RenderVariant');
    try {
      await put(key, 'blue');
      await vi.waitFor(() => expect(entry(key)).toMatch(/^[0-9a-z]{8}$/), WAIT); // the generation moved: URLs ask for blue's variants
      await setFault(running, 'us-east-1', 'unavailable');
      try {
        for (const url of URLS) expect((await get(key, url)).status, url[0]).toBe(503); // the replicas still have red
      } finally {
        await setFault(running, 'us-east-1', 'none');
      }
      await servesEverywhere(key, 'blue');
    } finally {
      release();
      running.stack.replicationDelayMs = 0;
    }
    await settled();

    await servesEverywhere(key, 'blue');
    const stored = [];
    for await (const objectKey of running.stack.variants.list(`${key}/`)) stored.push((await running.stack.variants.get(objectKey, { maxBytes: 1 << 24 }))!.body);
    expect(stored.length).toBeGreaterThan(0);
    for (const body of stored) expect(await colourOf(body)).toBe('blue');
  }, 120_000);
});
