/**
 * Every hostile original of test/fixtures/hostile-images.ts, uploaded and then
 * requested through the local stack, gets its clear answer (a 4xx with the
 * reason; a 200 when only its extension lies about a type we decode) within a
 * bounded time, and the stack keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_IMAGES } from '../fixtures/hostile-images.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

/**
 * A hang guard, not a speed target (those live in the benchmarks): every
 * refusal here is decided from the header in milliseconds.
 */
const BOUNDED_MS = 5_000;

describe('bad originals on the local stack', () => {
  let running: RunningStack;

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
  });
  afterAll(() => running.stop());

  it.each(HOSTILE_IMAGES.map((image) => [image.name, image.file, image] as const))('answers %s (uploaded as %s) clearly', async (_name, file, image) => {
    expect((await upload(running, `demo/bad/${file}`, await image.bytes())).status).toBe(201);
    const started = performance.now();
    const res = await running.request(`/demo/bad/${file}?w=640&fmt=webp`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(image.status);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeGreaterThan(0);
    if (image.reason) expect(body.toString('utf8')).toMatch(image.reason);
    expect(elapsed).toBeLessThan(BOUNDED_MS);
  });

  it('keeps serving good images after all of them', async () => {
    const res = await running.request('/demo/samples/landscape.jpg?w=256&fmt=jpeg');
    expect(res.status).toBe(200);
  });
});
