/**
 * Freshness entries leave once their window is over (issue 15), on the local stack: the
 * KeyValueStore ends as it began, the variants are back under their plain names with the
 * current bytes, and every URL still serves the current image — or 404 after a takedown.
 * The window passes at once here: every Wait state takes no time and the edge's clock is
 * moved past the window, as a day and two hours would.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DENIED, EMPTY_SLOT, FRESHNESS_WINDOW_SECONDS, freshnessAddressOf, generationTokenOf } from '../../core/index.ts';
import type { ObjectCreatedEvent } from '../../infra/local/s3-events.ts';
import { getVariant, servesEverywhere as servesAll, solidOriginal as original, variantNames as namesOf, type Colour, type VariantUrl } from '../support/colours.ts';
import { settled as settledStack, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const URLS: readonly VariantUrl[] = [
  ['?w=256&fmt=webp', '*/*'],
  ['?w=640', 'image/avif,image/webp,*/*'],
];
const WAIT = { timeout: 30_000, interval: 50 };

describe('freshness entries expire on the local stack', () => {
  let running: RunningStack;
  /** How far the edge's clock runs ahead of the machine's. */
  let edgeSkewMs = 0;
  const pipeline = () => running.stack.pipeline;
  const settled = () => settledStack(running);
  /** The edge's clock jumps past the window: everything it cached before then has expired. */
  const windowPasses = () => (edgeSkewMs += (FRESHNESS_WINDOW_SECONDS + 60) * 1000);

  beforeAll(async () => {
    running = await startTestStack({ edgeClock: () => performance.now() + edgeSkewMs, pipeline: { flushEveryMs: 0, retryIntervalMs: 0, waitMs: 0 } });
    await settled();
  });
  afterAll(() => running.stop());

  const get = (key: string, url: VariantUrl) => getVariant(running, key, url);
  const servesEverywhere = (key: string, colour: Colour) => servesAll(running, key, URLS, colour);
  const uploadsOf = (key: string) => pipeline().executions.list({ stateMachine: 'upload' }).filter((e) => (e.input as ObjectCreatedEvent).detail.object.key === key);
  const expiriesOf = (key: string) => pipeline().executions.list({ stateMachine: 'expire-freshness' }).filter((e) => (e.input as { key: string }).key === key);
  const slotOf = (key: string) => running.stack.kvs.get(freshnessAddressOf(key).slotKey);
  const variantNames = (key: string) => namesOf(running, key);
  async function put(key: string, colour: Colour) {
    const before = uploadsOf(key).length;
    expect((await upload(running, key, await original(colour), 'image/jpeg')).status).toBe(201);
    await vi.waitFor(() => expect(uploadsOf(key).length).toBeGreaterThan(before), WAIT);
  }

  it("after a re-upload's window: the entry is gone, the plain names hold the new bytes, the generation's objects are deleted", async () => {
    const key = 'demo/expiry/replaced.jpg';
    const slotBefore = slotOf(key);
    await put(key, 'red');
    await settled();
    await servesEverywhere(key, 'red'); // cached at the edge under the keys without a generation

    // The expiry waits at its first task until the re-upload's render is done, as the window guarantees in AWS.
    const release = pipeline().faults.hold('PromoteGeneration');
    let token: string;
    try {
      await put(key, 'blue');
      await vi.waitFor(() => {
        expect(uploadsOf(key).every((e) => e.status === 'SUCCEEDED')).toBe(true);
        expect(pipeline().executions.list({ stateMachine: 'render' }).filter((e) => (e.input as { key: string }).key === key).every((e) => e.status === 'SUCCEEDED')).toBe(true);
      }, WAIT);
      const second = uploadsOf(key).find((e) => (e.output as { generation?: { token: string | null } }).generation?.token)!;
      token = generationTokenOf(`${key}@${(second.input as ObjectCreatedEvent).detail.object.etag}`);
      expect(running.stack.freshnessEntry(key)).toBe(token);
      expect((await variantNames(key)).every((name) => name?.generation === token)).toBe(true);
      await servesEverywhere(key, 'blue');
      expect(expiriesOf(key).map((e) => e.status)).toEqual(['RUNNING']);
    } finally {
      windowPasses();
      release();
    }
    await settled();

    expect(expiriesOf(key)).toMatchObject([{ status: 'SUCCEEDED', output: { removal: { removed: true }, promoted: { promoted: expect.any(Number) } } }]);
    expect(running.stack.freshnessEntry(key)).toBeUndefined();
    expect(slotOf(key)).toBe(slotBefore);
    const names = await variantNames(key);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name?.generation === undefined)).toBe(true);
    // The red copies the edge held under these keys expired with the window: a miss finds the plain names, blue.
    const rendersBefore = running.stack.stats().renders;
    await servesEverywhere(key, 'blue');
    expect(running.stack.stats().renders - rendersBefore).toBe(0);
  });

  it("after a takedown's window: the deny entry is gone and every URL answers 404", async () => {
    const key = 'demo/expiry/taken-down.jpg';
    const slotBefore = slotOf(key) ?? EMPTY_SLOT;
    await put(key, 'red');
    await settled();
    const release = pipeline().faults.hold('RemoveDenyEntry');
    try {
      const res = await running.request('/_local/takedown', { method: 'POST', body: JSON.stringify({ tenant: 'demo', key, reason: 'expiry test' }) });
      expect(res.status).toBe(202);
      await vi.waitFor(() => expect(running.stack.freshnessEntry(key)).toBe(DENIED), WAIT);
      for (const url of URLS) expect((await get(key, url)).status).toBe(451);
    } finally {
      windowPasses();
      release();
    }
    await settled();

    expect(expiriesOf(key)).toMatchObject([{ status: 'SUCCEEDED', output: { removal: { removed: true } } }]);
    expect(running.stack.freshnessEntry(key)).toBeUndefined();
    expect(slotOf(key)).toBe(slotBefore);
    for (const url of URLS) expect((await get(key, url)).status).toBe(404);
  });
});
