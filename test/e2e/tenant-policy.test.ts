/**
 * A tenant that holds q to two steps and h to two aspect ratios, through the whole local stack:
 * registered over the API (a config past the bound on variants per original is refused), its
 * uploads pre-rendered at its quality, a viewer's request normalized by the built viewer function
 * to its steps and ratios and rendered to that box, and a sweep of anonymous requests landing on
 * no more cache keys than keysPerOriginal says it allows.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysPerOriginal, MAX_KEYS_PER_ORIGINAL, tenantPolicy } from '../../core/index.ts';
import { createOpsClient, OperationFailed } from '../../infra/local/ops/index.ts';
import { photo } from '../console/photo.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const TENANT = 'frames';
const POLICY = { qualities: [60, 85], ratios: ['1:1', '16:9'] };
const KEY = `${TENANT}/hero.jpg`;

describe('a tenant that restricts q and h', () => {
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
      `tenant wide: this config allows 10000 variants of each original, more than ${MAX_KEYS_PER_ORIGINAL}: use fewer ladder rungs, or restrict h (ratios) or q (qualities)`,
    );
    const fits = await running.request('/_local/tenants/wide', { method: 'PUT', body: JSON.stringify({ ladder, ratios: ['4:3'] }) });
    expect(fits.status).toBe(200);
  });

  it("pre-renders the standard variants at the tenant's quality", async () => {
    const { variants } = await createOpsClient(running.url).variants(KEY);
    expect(variants).toHaveLength(12);
    expect(new Set(variants.map((v) => v.params.q))).toEqual(new Set([85]));
  });

  it('normalizes a request to the nearest ratio at the snapped width and the next quality step, and renders exactly that box', async () => {
    const ops = createOpsClient(running.url);
    // 320×200 (8:5) is nearest 16:9; w snaps to 384, so h = 216. q 70 snaps up to 85.
    const normalized = await ops.normalize(`/${KEY}?w=320&h=200&q=70&fmt=jpeg`, '');
    expect(normalized).toMatchObject({ ok: true, params: { fmt: 'jpeg', q: 85, w: 384, h: 216 }, variantKey: `${KEY}/w384_h216_q85.jpeg` });
    const res = await running.request(`/${KEY}?w=320&h=200&q=70&fmt=jpeg`);
    expect(res.status).toBe(200);
    // Both sides given: the box exactly (cover), so the tenant's ratio is the image's.
    const { format, width, height } = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect({ format, width, height }).toEqual({ format: 'jpeg', width: 384, height: 216 });
  });

  it('keeps a sweep of anonymous requests within the cache keys its policy allows', async () => {
    const ops = createOpsClient(running.url);
    const allowed = keysPerOriginal(tenantPolicy({ qualities: POLICY.qualities, ratios: [[1, 1], [16, 9]] }));
    expect(allowed).toBe((13 + 12 + 12 * 2) * (3 * 2 + 1));
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 48271) % 2147483647) % n) + 1;
    const formats = ['auto', 'jpeg', 'webp', 'avif', 'png', 'jpg'];
    const keys = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const query = [`w=${next(5000)}`, `h=${next(5000)}`, `q=${next(100)}`, `fmt=${formats[next(formats.length) - 1]}`, `junk=${i}`].filter(() => next(4) > 1);
      const normalized = await ops.normalize(`/${KEY}?${query.join('&')}`, 'image/avif,image/webp,*/*');
      if (!normalized.ok) throw new OperationFailed(normalized.status, normalized.reason);
      keys.add(normalized.cacheKey);
    }
    console.log(`${keys.size} distinct cache keys from 600 requests; the policy allows ${allowed}`);
    expect(keys.size).toBeGreaterThan(100);
    expect(keys.size).toBeLessThanOrEqual(allowed);
  });
});
