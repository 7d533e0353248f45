import { describe, expect, it } from 'vitest';
import { DENIED, freshnessAddressOf, slotEntry } from '../../core/index.ts';
import { mapFreshnessEntries } from '../shared/freshness-entries.ts';
import { replay, seededSlots, useLocalDynamo } from '../../test/support/tasks.ts';
import { createPutDenyEntryTask } from './task.ts';

const local = useLocalDynamo();

async function setup() {
  const kvs = seededSlots();
  let clock = Date.UTC(2026, 0, 1);
  const task = createPutDenyEntryTask({ entries: mapFreshnessEntries(kvs), now: () => new Date((clock += 1_000)) });
  const { runtime } = await local.runtime();
  return { kvs, handler: task(runtime) };
}

const input = { tenant: 'demo', key: 'demo/photos/a.jpg', reason: 'dmca', takedownId: 'takedown-1' };
const address = freshnessAddressOf(input.key);
const changedSlots = (kvs: Map<string, string>) => [...seededSlots()].filter(([key, value]) => kvs.get(key) !== value).map(([key]) => key);

describe('put-deny-entry', () => {
  it("denies the original in its slot, the entry the viewer function reads, once per takedown", async () => {
    const { kvs, handler } = await setup();
    const results = await replay(handler, input);
    expect(results[0]).toEqual({ ...address, at: '2026-01-01T00:00:01.000Z' });
    expect(results).toEqual([results[0], results[0], results[0]]);
    expect(slotEntry(kvs.get(address.slotKey)!, address.id)).toBe(DENIED);
    expect(changedSlots(kvs)).toEqual([address.slotKey]);
  });

  it.each([
    ['of another tenant', 'other/photos/a.jpg'],
    ['that is not an original key', 'demo/../other/a.jpg'],
    ['without an image extension', 'demo/photos/a.svg'],
  ])('refuses a key %s as TaskInputInvalid and writes nothing', async (_, key) => {
    const { kvs, handler } = await setup();
    await expect(handler({ ...input, key, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(changedSlots(kvs)).toEqual([]);
  });

  it('refuses a reason longer than the audit record keeps', async () => {
    const { kvs, handler } = await setup();
    await expect(handler({ ...input, reason: 'x'.repeat(257), executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(changedSlots(kvs)).toEqual([]);
  });
});
