/**
 * The console's gallery listing says an original is still rendering while its
 * pipeline runs, so the page does not ask the edge for a thumbnail then (a miss
 * the edge would render while the pipeline makes the same variant).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OriginalsListing, OriginalSummary } from '../../infra/local/ops/api.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const WAIT = { timeout: 60_000, interval: 50 };

describe('the gallery listing of an original whose render is held', () => {
  let running: RunningStack;
  const key = 'demo/listing/landscape.jpg';

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0 } });
    await settled(running);
  });
  afterAll(() => running.stop());

  async function listed(original = key): Promise<OriginalSummary | undefined> {
    const listing = (await (await running.request('/_local/originals')).json()) as OriginalsListing;
    return listing.tenants.flatMap((t) => t.originals).find((o) => o.key === original);
  }

  it('says rendering while its pipeline runs, and no longer once the render stored every variant', async () => {
    const release = running.stack.pipeline.faults.hold('RenderVariant');
    const image = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
    expect((await upload(running, key, image, 'image/jpeg')).status).toBe(201);
    await vi.waitFor(() => expect(running.stack.pipeline.executions.list({ stateMachine: 'render', status: 'RUNNING' })).toHaveLength(1), WAIT);
    expect(await listed()).toMatchObject({ rendering: true, variants: 0 });
    expect(await listed('demo/samples/landscape.jpg')).toMatchObject({ rendering: false, variants: 12 });

    release();
    await settled(running);
    expect(await listed()).toMatchObject({ rendering: false, variants: 12 });
  });
});
