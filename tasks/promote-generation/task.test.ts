import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, DENIED, freshnessSeed } from '../../core/index.ts';
import type { ReadOptions, StoredObject } from '../../core/storage/index.ts';
import { VARIANT_CACHE_CONTROL } from '../../core/transform/variant.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { mapFreshnessEntries } from '../shared/freshness-entries.ts';
import { createPromoteGenerationTask } from './task.ts';

const local = useLocalDynamo();

const KEY = 'demo/a b.jpg';
const TOKEN = 'new00001';
const input = { tenant: 'demo', key: KEY, token: TOKEN, requestId: 'expire-1' };

/** The generation's variants, as the render stored them; the plain name each is promoted to. */
const GENERATION = {
  [`${KEY}/w640_q75_v${TOKEN}.webp`]: { plain: `${KEY}/w640_q75.webp`, contentType: 'image/webp' },
  [`${KEY}/h256_q60_v${TOKEN}.avif`]: { plain: `${KEY}/h256_q60.avif`, contentType: 'image/avif' },
  [`${KEY}/w100_h50_q80_v${TOKEN}.jpeg`]: { plain: `${KEY}/w100_h50_q80.jpeg`, contentType: 'image/jpeg' },
};
/** A plain variant the generation overwrites, and one it does not have (rendered from the replaced bytes). */
const OVERWRITTEN_PLAIN = `${KEY}/w640_q75.webp`;
const STALE_PLAIN = `${KEY}/w320_q75.webp`;
const OTHER_GENERATION = [`${KEY}/w640_q75_vold00001.webp`, `${KEY}/w320_q75_vold00001.webp`];
const NOT_ITS_VARIANTS = [
  `${KEY}/b.jpg/w640_q75_v${TOKEN}.webp`, // a nested original's variants
  `${KEY}/b.jpg/w320_q75.webp`,
  `${KEY}/notes.txt`,
  `${KEY}/w320_q75.webp.tmp`,
  'demo/a b.jpg2/w320_q75.webp', // another original sharing the prefix
  'demo/a b.jpgw320_q75.webp',
];

const bytes = (objectKey: string) => Buffer.from(`bytes of ${objectKey}`);
/** The type a render stores a variant with, by its extension. */
const typeOf = (objectKey: string) => (CONTENT_TYPES as Record<string, string>)[objectKey.split('.').pop() ?? ''] ?? 'text/plain';

/** The variants bucket after an upload's generation was rendered; every object's body names its key. */
function variantsStore(keys: readonly string[], store = new MemoryStore('variants')): MemoryStore {
  for (const key of keys) store.objects.set(key, { body: bytes(key), contentType: typeOf(key), cacheControl: 'public, max-age=31536000' });
  return store;
}

const EVERYTHING = [...Object.keys(GENERATION), OVERWRITTEN_PLAIN, STALE_PLAIN, ...OTHER_GENERATION, ...NOT_ITS_VARIANTS];

/** The variants bucket, and the original's entry in the freshness store (this generation's by default). */
async function setup(store = variantsStore(EVERYTHING), entry: string = TOKEN) {
  const entries = mapFreshnessEntries(new Map(freshnessSeed()));
  await entries.set(KEY, entry);
  const { runtime, metric } = await local.runtime();
  return { variants: store, metric, handler: createPromoteGenerationTask({ variants: store, entries })(runtime) };
}

/** A generation variant deleted (a later re-upload's cleanup) after the listing, before it is read. */
class VanishingStore extends MemoryStore {
  constructor(private readonly vanishing: string) {
    super('variants');
  }

  override async get(key: string, options: ReadOptions): Promise<StoredObject | undefined> {
    if (key === this.vanishing) this.objects.delete(key);
    return super.get(key, options);
  }
}

describe('promote-generation', () => {
  it("copies each of the generation's variants to its plain name: its bytes, its format's type, the variant Cache-Control", async () => {
    const { variants, metric, handler } = await setup();
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ promoted: 3, deleted: 1, superseded: false });
    for (const [generationKey, { plain, contentType }] of Object.entries(GENERATION)) {
      expect(variants.objects.get(plain)).toEqual({ body: bytes(generationKey), contentType, cacheControl: VARIANT_CACHE_CONTROL });
      // The generation's own object stays until the expiry's last step deletes it.
      expect(variants.objects.get(generationKey)?.body).toEqual(bytes(generationKey));
    }
    expect(metric('VariantsPromoted')).toBe(3);
  });

  it("deletes the plain variants the generation lacks, and leaves other generations' and non-variant objects alone", async () => {
    const { variants, handler } = await setup();
    await handler({ ...input, executionName: 'e' });
    expect(variants.objects.has(STALE_PLAIN)).toBe(false);
    // Overwritten, not deleted: it now holds the generation's bytes.
    expect(variants.objects.get(OVERWRITTEN_PLAIN)?.body).toEqual(bytes(`${KEY}/w640_q75_v${TOKEN}.webp`));
    for (const key of [...OTHER_GENERATION, ...NOT_ITS_VARIANTS]) expect(variants.objects.get(key)?.body).toEqual(bytes(key));
    const plains = Object.values(GENERATION).map(({ plain }) => plain);
    expect([...variants.objects.keys()].sort()).toEqual([...new Set([...Object.keys(GENERATION), ...plains, ...OTHER_GENERATION, ...NOT_ITS_VARIANTS])].sort());
  });

  it('deletes every plain variant when the generation was never rendered', async () => {
    const { variants, metric, handler } = await setup(variantsStore([OVERWRITTEN_PLAIN, STALE_PLAIN, ...OTHER_GENERATION, ...NOT_ITS_VARIANTS]));
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ promoted: 0, deleted: 2, superseded: false });
    expect([...variants.objects.keys()].sort()).toEqual([...OTHER_GENERATION, ...NOT_ITS_VARIANTS].sort());
    expect(metric('VariantsPromoted')).toBe(0);
  });

  it('skips a variant deleted between the listing and its read, and promotes the others', async () => {
    const vanishing = `${KEY}/h256_q60_v${TOKEN}.avif`;
    const { variants, handler } = await setup(variantsStore(EVERYTHING, new VanishingStore(vanishing)));
    await handler({ ...input, executionName: 'e' });
    expect(variants.objects.has(`${KEY}/h256_q60.avif`)).toBe(false);
    expect(variants.calls).not.toContain(`put ${KEY}/h256_q60.avif`);
    expect(variants.objects.get(`${KEY}/w100_h50_q80.jpeg`)?.body).toEqual(bytes(`${KEY}/w100_h50_q80_v${TOKEN}.jpeg`));
    expect(variants.objects.get(OVERWRITTEN_PLAIN)?.body).toEqual(bytes(`${KEY}/w640_q75_v${TOKEN}.webp`));
  });

  it.each([
    ['empty', Buffer.alloc(0), 'image/avif'],
    ['untyped', Buffer.from('avif bytes'), 'binary/octet-stream'],
    ["another format's type", Buffer.from('avif bytes'), 'image/jpeg'],
  ])('promotes no %s generation variant: its plain name is deleted, for the edge to render again', async (_, body, contentType) => {
    const store = variantsStore([...EVERYTHING, `${KEY}/h256_q60.avif`]);
    store.objects.set(`${KEY}/h256_q60_v${TOKEN}.avif`, { body, contentType, cacheControl: undefined });
    const { variants, handler } = await setup(store);
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ promoted: 2, deleted: 2, superseded: false });
    expect(variants.objects.has(`${KEY}/h256_q60.avif`)).toBe(false);
    expect(variants.objects.get(`${KEY}/w100_h50_q80.jpeg`)?.body).toEqual(bytes(`${KEY}/w100_h50_q80_v${TOKEN}.jpeg`));
  });

  it('changes nothing on a replay of the same request and answers the same', async () => {
    const { variants, metric, handler } = await setup();
    const [first, ...replays] = await replay(handler, input);
    expect(first).toEqual({ promoted: 3, deleted: 1, superseded: false });
    expect(replays).toEqual([first, first]);
    expect(variants.calls.filter((call) => call.startsWith('list'))).toHaveLength(1);
    expect(variants.calls.filter((call) => call.startsWith('put'))).toHaveLength(3);
    expect(metric('VariantsPromoted')).toBe(3);
  });

  it.each([
    ['the deny token', '!'],
    ['upper case', 'NEW00001'],
    ['too short', 'new0001'],
    ['empty', ''],
  ])('refuses a token that is not a generation token (%s) and touches nothing', async (_, token) => {
    const { variants, handler } = await setup();
    await expect(handler({ ...input, token, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(variants.calls).toEqual([]);
  });

  it.each([
    ['of another tenant', 'other', KEY],
    ['that is not an original key', 'demo', 'demo/../other/a.jpg'],
  ])('refuses a key %s and touches nothing', async (_, tenant, key) => {
    const { variants, handler } = await setup();
    await expect(handler({ ...input, tenant, key, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(variants.calls).toEqual([]);
  });

  it.each([
    ['a later re-upload', 'later001'],
    ['a takedown', DENIED],
  ])('leaves every object alone when %s replaced the generation in the store since', async (_, entry) => {
    const variants = variantsStore(EVERYTHING);
    const before = new Map(variants.objects);
    const { handler } = await setup(variants, entry);
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ promoted: 0, deleted: 0, superseded: true });
    expect(variants.objects).toEqual(before);
  });
});
