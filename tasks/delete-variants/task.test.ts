import { describe, expect, it } from 'vitest';
import { canonicalUri, MAX_KEYS_PER_ORIGINAL, MAX_ORIGINAL_KEY_LENGTH, parseVariantKey, tenantPolicy, variantKey, variantSpace, variantUri } from '../../core/index.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { MAX_DELETED_PATHS_BYTES } from '../shared/variants-of.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createDeleteVariantsTask } from './task.ts';

const local = useLocalDynamo();

const VARIANTS = ['demo/a b.jpg/h256_q60.avif', 'demo/a b.jpg/q75.png', 'demo/a b.jpg/w640_h480_q75.webp'];
const NOT_ITS_VARIANTS = [
  'demo/a b.jpg/b.jpg/w640_q75.webp', // a nested original's variant
  'demo/a b.jpg/notes.txt',
  'demo/a b.jpg/w640_q75.webp.tmp',
  'demo/a b.jpg2/w640_q75.webp', // another original sharing the prefix
  'demo/a b.jpgw640_q75.webp',
];
const input = { tenant: 'demo', key: 'demo/a b.jpg', requestId: 'takedown-1' };

function variantsStore(keys: readonly string[]): MemoryStore {
  const store = new MemoryStore('variants');
  for (const key of keys) store.objects.set(key, { body: Buffer.from('x'), contentType: 'image/webp', cacheControl: undefined });
  return store;
}

describe('delete-variants', () => {
  it('deletes exactly the variants of the original and returns their cache keys', async () => {
    const variants = variantsStore([...VARIANTS, ...NOT_ITS_VARIANTS]);
    const { runtime, metric } = await local.runtime();
    const handler = createDeleteVariantsTask({ variants })(runtime);
    expect(await handler({ ...input, executionName: 'e' })).toEqual({
      deleted: 3,
      paths: ['/demo/a%20b.jpg?fmt=avif&h=256&q=60', '/demo/a%20b.jpg?fmt=png&q=75', '/demo/a%20b.jpg?fmt=webp&h=480&q=75&w=640'],
    });
    expect([...variants.objects.keys()]).toEqual(NOT_ITS_VARIANTS);
    expect(metric('VariantsDeleted')).toBe(3);
  });

  it("deletes every generation's variants but the one to keep, and names the others' cache keys with their generation", async () => {
    const kept = ['demo/a b.jpg/w640_q75_vnew00001.webp'];
    const older = ['demo/a b.jpg/w640_q75_vold00001.webp'];
    const variants = variantsStore([...VARIANTS, ...older, ...kept, ...NOT_ITS_VARIANTS]);
    const { runtime } = await local.runtime();
    const out = await createDeleteVariantsTask({ variants })(runtime)({ ...input, keep: 'new00001', executionName: 'e' });
    expect(out.deleted).toBe(4);
    expect(out.paths).toContain('/demo/a%20b.jpg?fmt=webp&q=75&w=640&v=old00001');
    expect([...variants.objects.keys()].sort()).toEqual([...kept, ...NOT_ITS_VARIANTS].sort());
  });

  it("deletes only one generation's variants (its entry expired), and names their cache keys with it", async () => {
    const expired = ['demo/a b.jpg/w640_q75_vold00001.webp', 'demo/a b.jpg/h256_q60_vold00001.avif'];
    const others = ['demo/a b.jpg/w640_q75_vnew00001.webp', 'demo/a b.jpg/b.jpg/w640_q75_vold00001.webp'];
    const variants = variantsStore([...VARIANTS, ...expired, ...others, ...NOT_ITS_VARIANTS]);
    const { runtime, metric } = await local.runtime();
    const out = await createDeleteVariantsTask({ variants })(runtime)({ ...input, only: 'old00001', executionName: 'e' });
    expect(out).toEqual({ deleted: 2, paths: ['/demo/a%20b.jpg?fmt=webp&q=75&w=640&v=old00001', '/demo/a%20b.jpg?fmt=avif&h=256&q=60&v=old00001'] });
    expect([...variants.objects.keys()].sort()).toEqual([...VARIANTS, ...others, ...NOT_ITS_VARIANTS].sort());
    expect(metric('VariantsDeleted')).toBe(2);
  });

  it('refuses keep and only together and lists nothing', async () => {
    const variants = variantsStore(VARIANTS);
    const { runtime } = await local.runtime();
    await expect(createDeleteVariantsTask({ variants })(runtime)({ ...input, keep: 'new00001', only: 'old00001', executionName: 'e' })).rejects.toMatchObject({
      name: 'TaskInputInvalid',
    });
    expect(variants.calls).toEqual([]);
  });

  it('returns the same paths on a replay, when everything is already gone', async () => {
    const variants = variantsStore(VARIANTS);
    const { runtime, metric } = await local.runtime();
    const handler = createDeleteVariantsTask({ variants })(runtime);
    const [first, ...replays] = await replay(handler, input);
    expect(first?.deleted).toBe(3);
    expect(replays).toEqual([first, first]);
    expect(variants.calls.filter((c) => c.startsWith('list'))).toHaveLength(1);
    expect(metric('VariantsDeleted')).toBe(3);
  });

  it('returns no paths past the idempotency TTL, once the variants are gone', async () => {
    const variants = variantsStore(VARIANTS);
    const task = createDeleteVariantsTask({ variants });
    await task((await local.runtime()).runtime)({ ...input, executionName: 'e' });
    expect(await task((await local.runtime()).runtime)({ ...input, executionName: 'redrive' })).toEqual({ deleted: 0, paths: [] });
  });

  it('deletes many variants, several at a time', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `demo/a b.jpg/w${i + 1}_q75.webp`);
    const variants = variantsStore(many);
    const { runtime } = await local.runtime();
    expect((await createDeleteVariantsTask({ variants })(runtime)({ ...input, executionName: 'e' })).deleted).toBe(40);
    expect(variants.objects.size).toBe(0);
  });

  it(`names every variant of an original the policy allows (MAX_KEYS_PER_ORIGINAL, ${MAX_KEYS_PER_ORIGINAL}) by one wildcard, past MAX_DELETED_PATHS_BYTES: the output fits the workflow's state`, async () => {
    // The longest key the contract takes, all of it percent-encoded in the path: the longest paths there are.
    const path = `${'é'.repeat((MAX_ORIGINAL_KEY_LENGTH - 'demo/'.length - '.jpg'.length) / 2)}.jpg`;
    const key = `demo/${path}`;
    const all = variantSpace(tenantPolicy({})).map((params) => variantKey({ tenant: 'demo', path, params }));
    expect(all).toHaveLength(MAX_KEYS_PER_ORIGINAL);
    const { runtime } = await local.runtime();
    const out = await createDeleteVariantsTask({ variants: variantsStore(all) })(runtime)({ tenant: 'demo', key, requestId: 'takedown-1', executionName: 'e' });
    expect(out).toEqual({ deleted: MAX_KEYS_PER_ORIGINAL, paths: [`${canonicalUri({ tenant: 'demo', path })}*`] });
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(4 * 1024);
    // At the edge: the most variants whose paths fit are named exactly, one more is the wildcard.
    const bytesOf = (n: number) => all.slice(0, n).reduce((sum, variant) => sum + Buffer.byteLength(variantUri(parseVariantKey(variant)!)) + 3, 0);
    let fit = 1;
    while (bytesOf(fit + 1) <= MAX_DELETED_PATHS_BYTES) fit++;
    const at = await createDeleteVariantsTask({ variants: variantsStore(all.slice(0, fit)) })(runtime)({ tenant: 'demo', key, requestId: 'takedown-2', executionName: 'e' });
    expect(at.paths).toHaveLength(fit);
    const past = await createDeleteVariantsTask({ variants: variantsStore(all.slice(0, fit + 1)) })(runtime)({ tenant: 'demo', key, requestId: 'takedown-3', executionName: 'e' });
    expect(past.paths).toEqual([`${canonicalUri({ tenant: 'demo', path })}*`]);
  });

  it("refuses another tenant's key and lists nothing", async () => {
    const variants = variantsStore(VARIANTS);
    const { runtime } = await local.runtime();
    await expect(createDeleteVariantsTask({ variants })(runtime)({ ...input, tenant: 'other', executionName: 'e' })).rejects.toMatchObject({
      name: 'TaskInputInvalid',
    });
    expect(variants.calls).toEqual([]);
  });
});
