/**
 * A burst of heavy renders on the local stack: 32 distinct variants of one
 * original of MAX_SOURCE_PIXELS (a PNG: no shrink-on-load, every render
 * decodes all 50 MP) asked at once. The stack's functions share
 * LOCAL_RENDER_SLOTS (infra/local/render-capacity.ts), so a render past them
 * waits, or is refused as Lambda refuses a throttled invocation: each answer
 * is an image or a 503 that is not cached, never a 4xx that blames the image,
 * and asked again after a 503 each URL is the image. Peak memory: `npm run bench`.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LADDER } from '../../core/contract/index.ts';
import { LOCAL_RENDER_SLOTS } from '../../infra/local/render-capacity.ts';
import { bilevelPng } from '../fixtures/generate.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const BURST = 32;
const FORMATS = ['webp', 'jpeg', 'png'] as const;
const urls = DEFAULT_LADDER.flatMap((w) => FORMATS.map((fmt) => `/demo/heavy.png?w=${w}&fmt=${fmt}`)).slice(0, BURST);

describe('a burst of heavy renders', () => {
  let running: RunningStack;

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    expect((await upload(running, 'demo/heavy.png', bilevelPng(10_000, 5_000), 'image/png')).status).toBe(201);
  });
  afterAll(() => running.stop());

  it(`renders at most ${LOCAL_RENDER_SLOTS} at once, answers each with the image or a 503 not cached, and each URL asked again is the image`, async () => {
    const answers = await Promise.all(urls.map(async (url) => ({ url, response: await running.request(url) })));
    const statuses = answers.map(({ response }) => response.status);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    for (const { response } of answers.filter(({ response }) => response.status === 503)) {
      // The origin handler's own 503 (a render past its deadline), or CloudFront's for a throttled function.
      const own = response.headers.get('retry-after') !== null;
      if (own) expect(response.headers.get('cache-control')).toBe('no-store');
      else expect(await response.text()).toContain('The Lambda function associated with the CloudFront distribution');
    }
    const slots = running.stack.stats().renderSlots;
    expect(slots.peak).toBe(LOCAL_RENDER_SLOTS);
    expect(slots.throttled).toBeLessThanOrEqual(statuses.filter((status) => status === 503).length);

    const refused = answers.filter(({ response }) => response.status !== 200).map(({ url }) => url);
    await vi.waitFor(
      async () => {
        for (const url of refused.splice(0)) {
          const again = await running.request(url);
          if (again.status !== 200) refused.push(url);
          await again.arrayBuffer();
        }
        expect(refused).toEqual([]);
      },
      { timeout: 240_000, interval: 1_000 },
    );
    const webp = await running.request(urls[0]!);
    expect((await sharp(Buffer.from(await webp.arrayBuffer())).metadata()).width).toBe(DEFAULT_LADDER[0]);
  }, 300_000);
});
