/**
 * The console's gallery listing says an original is still rendering while its
 * pipeline runs, so the page does not ask the edge for a thumbnail then (a miss
 * the edge would render while the pipeline makes the same variant).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OriginalsListing, OriginalSummary } from '../../infra/local/ops/api.ts';
import { setFault, settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

/** The render's wait before it tries to store again: the window in which the listing is read. */
const RETRY_INTERVAL_MS = 10_000;
const WAIT = { timeout: 60_000, interval: 50 };

describe('the gallery listing of an original whose render could not store its variants at first', () => {
  let running: RunningStack;
  const key = 'demo/listing/landscape.jpg';
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: RETRY_INTERVAL_MS }, log: (entry) => logs.push(entry) });
    await settled(running);
  });
  afterAll(() => running.stop());

  async function listed(original = key): Promise<OriginalSummary | undefined> {
    const listing = (await (await running.request('/_local/originals')).json()) as OriginalsListing;
    return listing.tenants.flatMap((t) => t.originals).find((o) => o.key === original);
  }

  it('says rendering while the render waits to retry, and no longer once it has stored every variant', { timeout: 120_000 }, async () => {
    await setFault(running, 'variants', 'unavailable');
    const image = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
    expect((await upload(running, key, image, 'image/jpeg')).status).toBe(201);
    const failedStore = (entry: Record<string, unknown>) => entry.service === 'render-variant' && JSON.stringify(entry.error ?? '').includes('StoreUnavailable');
    await vi.waitFor(() => expect(logs.some(failedStore)).toBe(true), WAIT);
    await setFault(running, 'variants', 'none');
    expect(await listed()).toMatchObject({ rendering: true, variants: 0 });

    await vi.waitFor(async () => {
      await settled(running);
      expect(await listed()).toMatchObject({ rendering: false, variants: 12 });
    }, WAIT);
    expect(await listed('demo/samples/landscape.jpg')).toMatchObject({ rendering: false, variants: 12 });
  });
});
