import { describe, expect, it } from 'vitest';
import { byRegion, DENIED, EMPTY_SLOT, freshnessAddressOf, freshnessSeed, slotEntry, type OriginalsRegion } from '../../core/index.ts';
import { mapFreshnessEntries } from '../shared/freshness-entries.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createRemoveFreshnessEntryTask } from './task.ts';

const local = useLocalDynamo();

const KEY = 'demo/photos/a.jpg';
const TOKEN = 'abc12345';
const LATER = 'def67890';
const { slotKey, id } = freshnessAddressOf(KEY);
/** Another original's entry in the same slot (its id is all that matters to the slot). */
const NEIGHBOUR = `${'0'.repeat(12)}=zzzzzzzz`;
const input = { tenant: 'demo', key: KEY, token: TOKEN, requestId: 'expire-1' };

/** The slot as the window ends: the original's entry `entry` (null: none). */
async function setup(entry: string | null = TOKEN) {
  const kvs = new Map(freshnessSeed());
  const entries = mapFreshnessEntries(kvs);
  if (entry !== null) await entries.set(KEY, entry);
  const originals = byRegion(() => new MemoryStore('originals'));
  const variants = new MemoryStore('variants');
  const { runtime, metric } = await local.runtime();
  return { kvs, originals, variants, metric, handler: createRemoveFreshnessEntryTask({ entries, variants, originals })(runtime) };
}

const entryOf = (kvs: Map<string, string>) => slotEntry(kvs.get(slotKey)!, id);
const changedSlots = (kvs: Map<string, string>) => freshnessSeed().filter(([key, value]) => kvs.get(key) !== value).map(([key]) => key);
const putOriginal = (originals: Record<OriginalsRegion, MemoryStore>, region: OriginalsRegion) =>
  originals[region].objects.set(KEY, { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });

describe('remove-freshness-entry', () => {
  it("removes the original's entry while it is the token: its slot is empty again", async () => {
    const { kvs, metric, handler } = await setup();
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ slotKey, id, removed: true });
    expect(kvs.get(slotKey)).toBe(EMPTY_SLOT);
    expect(changedSlots(kvs)).toEqual([]);
    expect(metric('FreshnessEntriesRemoved')).toBe(1);
  });

  it("keeps the other originals' entries in the slot", async () => {
    const { kvs, handler } = await setup();
    kvs.set(slotKey, `${NEIGHBOUR} ${kvs.get(slotKey)!}`);
    await handler({ ...input, executionName: 'e' });
    expect(kvs.get(slotKey)).toBe(NEIGHBOUR);
  });

  it('leaves a later change\'s token in the slot and says removed: false', async () => {
    const { kvs, metric, handler } = await setup(LATER);
    expect(await handler({ ...input, executionName: 'e' })).toEqual({ slotKey, id, removed: false });
    expect(entryOf(kvs)).toBe(LATER);
    expect(metric('FreshnessEntriesRemoved')).toBe(0);
  });

  it('leaves a takedown since in the slot', async () => {
    const { kvs, handler } = await setup(DENIED);
    expect(await handler({ ...input, executionName: 'e' })).toMatchObject({ removed: false });
    expect(entryOf(kvs)).toBe(DENIED);
  });

  it('says removed: false when the entry is gone already', async () => {
    const { kvs, handler } = await setup(null);
    expect(await handler({ ...input, executionName: 'e' })).toMatchObject({ removed: false });
    expect(changedSlots(kvs)).toEqual([]);
  });

  it('removes a deny entry once the original is in no region', async () => {
    const { kvs, originals, metric, handler } = await setup(DENIED);
    expect(await handler({ ...input, token: DENIED, executionName: 'e' })).toEqual({ slotKey, id, removed: true });
    expect(kvs.get(slotKey)).toBe(EMPTY_SLOT);
    for (const store of Object.values(originals)) expect(store.calls).toEqual([`exists ${KEY}`]);
    expect(metric('FreshnessEntriesRemoved')).toBe(1);
  });

  it("sweeps a taken-down original's variants before its deny entry goes, and only its own", async () => {
    const { kvs, variants, metric, handler } = await setup(DENIED);
    const leftBehind = [`${KEY}/w640_q75.webp`, `${KEY}/w256_q75_vabcd1234.avif`];
    const others = [`${KEY}/notes.txt`, `${KEY}2/w640_q75.webp`];
    for (const key of [...leftBehind, ...others]) variants.objects.set(key, { body: Buffer.from('x'), contentType: 'image/webp', cacheControl: undefined });
    let entryWhileSweeping: string | undefined;
    const remove = variants.delete.bind(variants);
    variants.delete = async (key) => {
      entryWhileSweeping = entryOf(kvs);
      return remove(key);
    };
    expect(await handler({ ...input, token: DENIED, executionName: 'e' })).toMatchObject({ removed: true });
    expect([...variants.objects.keys()].sort()).toEqual(others.sort());
    expect(entryWhileSweeping).toBe(DENIED);
    expect(metric('VariantsDeleted')).toBe(2);
  });

  it.each(['us-east-1', 'eu-west-1', 'ap-northeast-1'] as const)(
    'keeps a deny entry while the original is in %s, and fails with OriginalPresent naming it',
    async (region) => {
      const { kvs, originals, metric, handler } = await setup(DENIED);
      putOriginal(originals, region);
      const error = await handler({ ...input, token: DENIED, executionName: 'e' }).catch((err: unknown) => err);
      expect(error).toMatchObject({ name: 'OriginalPresent', message: expect.stringContaining(`present in ${region}:`) });
      expect(entryOf(kvs)).toBe(DENIED);
      expect(metric('FreshnessEntriesRemoved')).toBe(0);
    },
  );

  it('names every region the taken-down original is in', async () => {
    const { originals, handler } = await setup(DENIED);
    putOriginal(originals, 'us-east-1');
    putOriginal(originals, 'ap-northeast-1');
    await expect(handler({ ...input, token: DENIED, executionName: 'e' })).rejects.toMatchObject({
      name: 'OriginalPresent',
      message: expect.stringContaining('present in us-east-1, ap-northeast-1:'),
    });
  });

  it('answers removed: true again on a replay of the same request, and removed: false to another one', async () => {
    const { kvs, metric, handler } = await setup();
    const results = await replay(handler, input);
    expect(results).toEqual(Array(3).fill({ slotKey, id, removed: true }));
    expect(await handler({ ...input, requestId: 'expire-2', executionName: 'e' })).toEqual({ slotKey, id, removed: false });
    expect(kvs.get(slotKey)).toBe(EMPTY_SLOT);
    expect(metric('FreshnessEntriesRemoved')).toBe(1);
  });

  it('replays a deny removal without asking the regions again', async () => {
    const { originals, handler } = await setup(DENIED);
    await replay(handler, { ...input, token: DENIED });
    // An upload arriving after the removal must not turn the replay into a failure.
    putOriginal(originals, 'eu-west-1');
    expect(await handler({ ...input, token: DENIED, executionName: 'redrive' })).toMatchObject({ removed: true });
  });

  it('leaves a re-upload since a takedown alone: its token stays, and the original being back is no failure', async () => {
    const { kvs, originals, handler } = await setup(LATER);
    for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1'] as const) putOriginal(originals, region);
    expect(await handler({ ...input, token: DENIED, executionName: 'e' })).toEqual({ slotKey, id, removed: false });
    expect(entryOf(kvs)).toBe(LATER);
  });

  it.each([
    ['a token that is neither a generation nor the deny token', { token: 'ABC12345' }],
    ['a key of another tenant', { tenant: 'other' }],
    ['a key that is not an original key', { key: 'demo/../other/a.jpg' }],
  ])('refuses %s as TaskInputInvalid and writes nothing', async (_, change) => {
    const { kvs, originals, handler } = await setup();
    await expect(handler({ ...input, ...change, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(entryOf(kvs)).toBe(TOKEN);
    for (const store of Object.values(originals)) expect(store.calls).toEqual([]);
  });
});
