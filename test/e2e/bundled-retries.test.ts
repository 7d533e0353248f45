/**
 * Retry by error name, on the deployed bundles: the render task, minified as
 * CDK deploys it, throws StoreUnavailable when the variants bucket answers
 * 503, and the render workflow's Retry (which matches that name) runs it
 * again until it succeeds.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setFault, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

describe('a render the variants bucket refuses for a while, on the bundled task', () => {
  let running: RunningStack;
  const logs: Array<Record<string, unknown>> = [];
  const key = 'demo/retries/landscape.jpg';

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 100 }, log: (entry) => logs.push(entry) });
    await running.stack.replication.settled();
    await running.stack.pipeline.settled();
  });
  afterAll(() => running.stop());

  it('is retried by name (StoreUnavailable) and succeeds once the bucket answers', async () => {
    await setFault(running, 'variants', 'unavailable');
    const image = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
    expect((await upload(running, key, image, 'image/jpeg')).status).toBe(201);
    const failedRender = (entry: Record<string, unknown>) =>
      entry.service === 'render-variant' && entry.level === 'ERROR' && JSON.stringify(entry.error ?? '').includes('StoreUnavailable');
    await vi.waitFor(() => expect(logs.some(failedRender)).toBe(true), { timeout: 60_000, interval: 20 });
    await setFault(running, 'variants', 'none');

    await vi.waitFor(
      async () => {
        await running.stack.replication.settled();
        await running.stack.pipeline.settled();
        expect(running.stack.pipeline.executions.list({ stateMachine: 'render' }).filter((e) => JSON.stringify(e.input).includes(key))).not.toHaveLength(0);
      },
      { timeout: 60_000, interval: 50 },
    );
    const renders = running.stack.pipeline.executions.list({ stateMachine: 'render' }).filter((e) => JSON.stringify(e.input).includes(key));
    for (const render of renders) expect(render.status).toBe('SUCCEEDED');
    const retried = renders.flatMap((render) => render.events).filter((event) => event.type === 'StateRetried');
    expect(JSON.stringify(retried)).toContain('StoreUnavailable');
  });
});
