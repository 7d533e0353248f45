/**
 * What a browser gets from the local stack over HTTP, per kind of answer: the built viewer
 * function, the cache and the origin group, behind the image behavior's response headers
 * policy (core/deployment/response-headers.ts). The Cache-Control values are the README's
 * "What each answer carries".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_HEADERS } from '../../core/deployment/index.ts';
import { DENIED, freshnessAddressOf, ORIGINALS_REGIONS, withSlotEntry } from '../../core/index.ts';
import { VARIANT_CACHE_CONTROL } from '../../core/transform/index.ts';
import { EDGE_ONLY, setFault, startTestStack, type RunningStack } from '../../test/support/local-stack.ts';

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

describe('response headers on the local stack, per kind of answer', () => {
  let running: RunningStack;

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    running.stack.putTenant('signed', { signing: 'hmac' });
  });
  afterAll(() => running.stop());

  async function answer(path: string) {
    const res = await running.request(path, { headers: { accept: CHROME_ACCEPT } });
    await res.arrayBuffer();
    return res;
  }

  /** Every policy header once (fetch joins repeated headers with ", "), and the Cache-Control the answer was given. */
  function expectCarries(res: Response, status: number, cacheControl: string | null) {
    expect(res.status).toBe(status);
    for (const [name, { value }] of Object.entries(RESPONSE_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get('cache-control')).toBe(cacheControl);
  }

  it('a variant for fmt=auto, on a miss and on the hit after it: Vary: Accept, and the variant Cache-Control', async () => {
    const miss = await answer('/demo/samples/landscape.jpg?w=320');
    const hit = await answer('/demo/samples/landscape.jpg?w=320');
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['Miss from cloudfront', 'Hit from cloudfront']);
    expect(miss.headers.get('content-type')).toBe('image/avif');
    for (const res of [miss, hit]) expectCarries(res, 200, VARIANT_CACHE_CONTROL);
  });

  it.each([
    ['400, a malformed request', '/demo/samples/landscape.jpg?w=abc', 400, 'public, max-age=3600'],
    ['404, an unknown tenant', '/nobody/samples/landscape.jpg?w=320', 404, 'public, max-age=60'],
    ['404, an unknown image (the origin)', '/demo/samples/missing.jpg?w=320', 404, 'public, max-age=60'],
    ['403, an unsigned URL of a signing tenant', '/signed/samples/landscape.jpg?w=320', 403, 'no-store'],
  ])('%s', async (_kind, path, status, cacheControl) => {
    expectCarries(await answer(path), status, cacheControl);
  });

  it('451, a taken-down image', async () => {
    const { slotKey, id } = freshnessAddressOf('demo/samples/badge.png');
    running.stack.kvs.set(slotKey, withSlotEntry(running.stack.kvs.get(slotKey) ?? '', id, DENIED) as string);
    expectCarries(await answer('/demo/samples/badge.png?w=320'), 451, 'no-store');
  });

  it("503, the viewer function's own when its freshness slot cannot be read", async () => {
    running.stack.kvs.delete(freshnessAddressOf('demo/samples/golden-ratio.gif').slotKey);
    expectCarries(await answer('/demo/samples/golden-ratio.gif?w=320'), 503, 'no-store');
  });

  it("503, the origin's when no originals region answers", async () => {
    for (const region of ORIGINALS_REGIONS) await setFault(running, region, 'unavailable');
    try {
      expectCarries(await answer('/demo/samples/landscape.jpg?w=640'), 503, 'no-store');
    } finally {
      for (const region of ORIGINALS_REGIONS) await setFault(running, region, 'none');
    }
  });
});
