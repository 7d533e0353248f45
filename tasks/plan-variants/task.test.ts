import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFrontKeyValueStoreClient, GetKeyCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { canonicalUri, parseImageRequest, queryPairs, variantKey } from '../../core/index.ts';
import { useLocalDynamo } from '../../test/support/tasks.ts';
import { createPlanVariantsTask, type PlanVariantsDeps } from './task.ts';
import { keyValueStoreTenantConfig } from './tenant-config.ts';

const local = useLocalDynamo();

async function plan(path: string, deps?: PlanVariantsDeps) {
  const handler = createPlanVariantsTask(deps)((await local.runtime()).runtime);
  const { variants } = await handler({ tenant: 'demo', path, key: `demo/${path}`, executionName: 'render-1' });
  return variants;
}

const keys = (variants: Awaited<ReturnType<typeof plan>>) => variants.map(variantKey);

describe('plan-variants', () => {
  it('plans the standard widths on the default ladder in avif, webp and jpeg at the default quality', async () => {
    const variants = await plan('photos/cat.jpg');
    expect(variants[0]).toEqual({ tenant: 'demo', path: 'photos/cat.jpg', params: { fmt: 'avif', q: 75, w: 256 } });
    expect(keys(variants)).toEqual(
      [256, 640, 1080, 1920].flatMap((w) => ['avif', 'webp', 'jpeg'].map((fmt) => `demo/photos/cat.jpg/w${w}_q75.${fmt}`)),
    );
  });

  it('plans png instead of jpeg for png and gif sources, so transparency survives', async () => {
    for (const path of ['logo.png', 'loop.gif']) {
      expect(new Set((await plan(path)).map((variant) => variant.params.fmt))).toEqual(new Set(['avif', 'webp', 'png']));
    }
  });

  it('snaps each width to the tenant’s ladder and drops the duplicates that makes', async () => {
    const variants = await plan('cat.jpg', { tenantConfig: async () => ({ ladder: [300, 1000, 2000] }) });
    expect([...new Set(variants.map((variant) => variant.params.w))]).toEqual([300, 1000, 2000]);
    expect(variants).toHaveLength(9);
  });

  it('plans exactly the variants that viewer requests for the standard widths look up', async () => {
    const ladder = [200, 700, 1500];
    const variants = await plan('a b/c+d.webp', { tenantConfig: async () => ({ ladder }) });
    for (const variant of variants) {
      const query = `w=${variant.params.w! - 10}&fmt=${variant.params.fmt}&utm_source=x`;
      const viewer = parseImageRequest(canonicalUri(variant), queryPairs(query), { ladder });
      expect(viewer.ok && variantKey(viewer.request)).toBe(variantKey(variant));
    }
  });

  it('plans at the tenant’s quality step when it restricts q, as a viewer’s request without q is snapped', async () => {
    const variants = await plan('cat.jpg', { tenantConfig: async () => ({ qualities: [60, 85] }) });
    expect(new Set(variants.map((variant) => variant.params.q))).toEqual(new Set([85]));
    const viewer = parseImageRequest('/demo/cat.jpg', queryPairs('w=640&fmt=webp'), { qualities: [60, 85] });
    expect(viewer.ok && variantKey(viewer.request)).toBe('demo/cat.jpg/w640_q85.webp');
    expect(keys(variants)).toContain('demo/cat.jpg/w640_q85.webp');
  });

  it('refuses a path the contract does not accept', async () => {
    await expect(plan('notes.txt')).rejects.toMatchObject({ name: 'TaskInputInvalid', message: expect.stringContaining('unknown extension') });
  });
});

describe('the tenant config from the KeyValueStore', () => {
  const client = new CloudFrontKeyValueStoreClient({ region: 'us-east-1' });
  const kvs = mockClient(client);
  const config = keyValueStoreTenantConfig(client, 'arn:kvs');
  beforeEach(() => kvs.reset());

  it('reads t:{tenant}, the config the viewer function reads', async () => {
    kvs.on(GetKeyCommand, { KvsARN: 'arn:kvs', Key: 't:demo' }).resolves({ Key: 't:demo', Value: '{"ladder":[100,200],"qualities":[60]}' });
    expect(await config('demo')).toEqual({ ladder: [100, 200], qualities: [60] });
  });

  it('has no config for a tenant without an entry, and fails as transient when the store cannot answer', async () => {
    kvs
      .on(GetKeyCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'no such key', $metadata: {} }))
      .rejectsOnce(new Error('throttled'));
    expect(await config('demo')).toBeUndefined();
    await expect(config('demo')).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
