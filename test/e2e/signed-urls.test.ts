/**
 * Signed tenants end to end on the local stack, over real HTTP: a URL signed
 * by tools/signer is served and rendered, the same image unsigned is refused,
 * for both modes — hmac (the viewer function) and key-group (the local
 * CloudFront's trusted key group, then the viewer function's tenant binding).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLocalSigningKeys, localSigningKey, type LocalSigningKeys } from '../../infra/local/dev-keys.ts';
import { seedSignedTenants } from '../../infra/local/seed.ts';
import { signUrl } from '../../core/signing/index.ts';
import { EDGE_ONLY, startTestStack, type RunningStack } from '../support/local-stack.ts';

describe('signed tenants on the local stack', () => {
  let running: RunningStack;
  let keys: LocalSigningKeys;
  let samples: { hmac: string; keyGroup: string };

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    keys = generateLocalSigningKeys();
    samples = await seedSignedTenants(running.stack, keys);
  });
  afterAll(() => running.stop());

  const signed = (tenant: string, key: string, query: string, policy?: 'custom') => {
    const local = localSigningKey(keys, tenant)!;
    return signUrl({ url: `${running.url}/${key}?${query}`, tenant, ttlSeconds: 300, key: policy && local.mode === 'key-group' ? { ...local, policy } : local });
  };

  it.each([
    ['hmac', () => keys.hmac.tenant, () => samples.hmac, 'text/plain; charset=utf-8', 'signature required'],
    ['key-group', () => keys.keyGroup.tenant, () => samples.keyGroup, 'text/xml', 'MissingKey'],
  ])('%s: serves the signed URL, rendered to the signed width, and refuses it unsigned', async (_mode, tenant, sample, refusalType, refusal) => {
    const response = await fetch(signed(tenant(), sample(), 'w=256&fmt=webp'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(256);

    const unsigned = await running.request(`/${sample()}?w=256&fmt=webp`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('content-type')).toBe(refusalType);
    expect(await unsigned.text()).toContain(refusal);
  });

  it("serves a second signed URL of the same variant from the cache: signatures are not in the key", async () => {
    const before = running.stack.stats().renders;
    const first = await fetch(signed(keys.keyGroup.tenant, samples.keyGroup, 'w=640'));
    const second = await fetch(signed(keys.keyGroup.tenant, samples.keyGroup, 'w=640', 'custom'));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(running.stack.stats().renders).toBe(before + 1);
  });

  it("refuses one signed tenant's URL replayed on the other's path, and leaves demo unsigned", async () => {
    const hmacUrl = new URL(signed(keys.hmac.tenant, samples.hmac, 'w=256'));
    expect((await running.request(`/${samples.keyGroup}${hmacUrl.search}`)).status).toBe(403);
    const keyGroupUrl = new URL(signed(keys.keyGroup.tenant, samples.keyGroup, 'w=256'));
    expect((await running.request(`/${samples.hmac}${keyGroupUrl.search}`)).status).toBe(403);
    expect((await running.request('/demo/samples/landscape.jpg?w=256')).status).toBe(200);
  });
});
