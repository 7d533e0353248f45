/**
 * A tenant that holds q to two steps, h to two aspect ratios and fit to three, with its own
 * background, through the whole local stack: registered over the API (a config past the bound on
 * variants per original is refused), its uploads pre-rendered at its quality, a viewer's request
 * normalized by the built viewer function to its steps and ratios and rendered to exactly that
 * box (cover cropped, contain padded with its colour), and a sweep of anonymous requests landing
 * on no more cache keys than keysPerOriginal says it allows.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysPerOriginal, MAX_KEYS_PER_ORIGINAL, tenantPolicy } from '../../core/index.ts';
import { createOpsClient, OperationFailed } from '../../infra/local/ops/index.ts';
import { colourDistance, pixelAt } from '../fixtures/pixels.ts';
import { photo } from '../console/photo.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const TENANT = 'frames';
const POLICY = { qualities: [60, 85], ratios: ['1:1', '16:9'], fits: ['inside', 'cover', 'contain'], background: '#1d2330' };
const KEY = `${TENANT}/hero.jpg`;

/** Format and size of an answer's image (a Response, or its bytes). */
async function imageOf(answer: Response | Buffer): Promise<{ format?: string; width?: number; height?: number }> {
  const bytes = Buffer.isBuffer(answer) ? answer : Buffer.from(await answer.arrayBuffer());
  const { format, width, height } = await sharp(bytes).metadata();
  return { format, width, height };
}

describe('a tenant that restricts q, h and fit', () => {
  let running: RunningStack;
  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0 } });
    const put = await running.request(`/_local/tenants/${TENANT}`, { method: 'PUT', body: JSON.stringify(POLICY) });
    expect(put.status).toBe(200);
    expect((await upload(running, KEY, await photo(1600, 1200), 'image/jpeg')).status).toBe(201);
    await settled(running);
  }, 240_000);
  afterAll(() => running?.stop());

  it('refuses a config that would allow more variants per original than the bound, saying what to restrict', async () => {
    const ladder = Array.from({ length: 24 }, (_, i) => (i + 1) * 160);
    const refused = await running.request('/_local/tenants/wide', { method: 'PUT', body: JSON.stringify({ ladder }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe(
      `tenant wide: this config allows 37648 variants of each original, more than ${MAX_KEYS_PER_ORIGINAL}: use fewer ladder rungs, or restrict h (ratios), q (qualities) or fit (fits)`,
    );
    const fits = await running.request('/_local/tenants/wide', { method: 'PUT', body: JSON.stringify({ ladder, ratios: ['4:3'] }) });
    expect(fits.status).toBe(200);
  });

  it("pre-renders the standard variants at the tenant's quality", async () => {
    const { variants } = await createOpsClient(running.url).variants(KEY);
    expect(variants).toHaveLength(12);
    expect(new Set(variants.map((v) => v.params.q))).toEqual(new Set([85]));
  });

  it('normalizes a request to the nearest ratio at the snapped width and the next quality step, and renders exactly that box (cover)', async () => {
    const ops = createOpsClient(running.url);
    // 320×200 (8:5) is nearest 16:9; w snaps to 384, so h = 216. q 70 snaps up to 85.
    const normalized = await ops.normalize(`/${KEY}?w=320&h=200&q=70&fmt=jpeg&fit=cover`, '');
    expect(normalized).toMatchObject({ ok: true, params: { fmt: 'jpeg', q: 85, w: 384, h: 216, fit: 'cover' }, variantKey: `${KEY}/w384_h216_cover_q85.jpeg` });
    expect(await imageOf(await running.request(`/${KEY}?w=320&h=200&q=70&fmt=jpeg&fit=cover`))).toEqual({ format: 'jpeg', width: 384, height: 216 });
    // No fit: inside the same box, the photo's own 4:3.
    expect(await imageOf(await running.request(`/${KEY}?w=320&h=200&q=70&fmt=jpeg`))).toEqual({ format: 'jpeg', width: 288, height: 216 });
  });

  it("pads a contain to exactly the box: the tenant's background on a JPEG, transparent on a WebP", async () => {
    const normalized = await createOpsClient(running.url).normalize(`/${KEY}?w=320&h=200&fmt=jpeg&fit=contain&bg=ffffff`, '');
    expect(normalized).toMatchObject({ ok: true, params: { fit: 'contain', bg: '1d2330' }, dropped: ['bg'] });
    const jpeg = await running.request(`/${KEY}?w=320&h=200&fmt=jpeg&fit=contain&bg=ffffff`);
    const jpegBytes = Buffer.from(await jpeg.arrayBuffer());
    expect(await imageOf(jpegBytes)).toEqual({ format: 'jpeg', width: 384, height: 216 });
    // The 4:3 photo is 288 wide in the 384 box: 48 px of padding each side.
    expect(colourDistance(await pixelAt(jpegBytes, 10, 108), [0x1d, 0x23, 0x30])).toBeLessThan(8);
    const webp = Buffer.from(await (await running.request(`/${KEY}?w=320&h=200&fmt=webp&fit=contain`)).arrayBuffer());
    expect(await imageOf(webp)).toEqual({ format: 'webp', width: 384, height: 216 });
    expect((await pixelAt(webp, 10, 108))[3]).toBe(0);
  });

  it("crops a cover around the focal point given at upload, and a re-upload with another focal point crops anew", async () => {
    // Three bands, red, green, blue, across a 900×300 image: a square cover shows one of them.
    const bands = Buffer.alloc(900 * 300 * 3);
    for (let i = 0; i < 900 * 300; i++) bands.set([[220, 20, 20], [20, 200, 20], [20, 20, 220]][Math.floor((i % 900) / 300)]!, i * 3);
    const png = await sharp(bands, { raw: { width: 900, height: 300, channels: 3 } }).png().toBuffer();
    const band = async () => {
      const bytes = Buffer.from(await (await running.request(`/${TENANT}/bands.png?w=128&h=128&fit=cover&fmt=png`)).arrayBuffer());
      const [r, g, b] = await pixelAt(bytes, 64, 64);
      return r! > 150 ? 'red' : g! > 150 ? 'green' : b! > 150 ? 'blue' : 'none';
    };
    const put = (focus: string) => running.request(`/_local/originals/${TENANT}/bands.png?focus=${focus}`, { method: 'PUT', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } });
    expect((await put('1,0.5')).status).toBe(201);
    await settled(running);
    expect(await band()).toBe('blue');
    expect((await put('0.1,0.5')).status).toBe(201);
    await settled(running);
    expect(await band()).toBe('red');
    const bad = await put('left');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^focus must be x,y/);
  });

  it('refuses a fit the tenant does not allow, saying which it does', async () => {
    const res = await running.request(`/${KEY}?w=320&h=200&fit=fill`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('fit=fill is not allowed for this tenant: it allows inside, cover, contain');
  });

  it('keeps a sweep of anonymous requests within the cache keys its policy allows', async () => {
    const ops = createOpsClient(running.url);
    const allowed = keysPerOriginal(tenantPolicy({ qualities: POLICY.qualities, ratios: [[1, 1], [16, 9]], fits: ['inside', 'cover', 'contain'] }));
    expect(allowed).toBe((13 + 12 + 12 * 2 * 3) * (3 * 2 + 1));
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 48271) % 2147483647) % n) + 1;
    const formats = ['auto', 'jpeg', 'webp', 'avif', 'png', 'jpg'];
    const fits = ['inside', 'cover', 'contain', 'COVER'];
    const keys = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const query = [`w=${next(5000)}`, `h=${next(5000)}`, `q=${next(100)}`, `fmt=${formats[next(formats.length) - 1]}`, `fit=${fits[next(fits.length) - 1]}`, `bg=${i}`, `junk=${i}`].filter(() => next(4) > 1);
      const normalized = await ops.normalize(`/${KEY}?${query.join('&')}`, 'image/avif,image/webp,*/*');
      if (!normalized.ok) throw new OperationFailed(normalized.status, normalized.reason);
      keys.add(normalized.cacheKey);
    }
    console.log(`${keys.size} distinct cache keys from 600 requests; the policy allows ${allowed}`);
    expect(keys.size).toBeGreaterThan(100);
    expect(keys.size).toBeLessThanOrEqual(allowed);
  });
});
