import { describe, expect, it } from 'vitest';
import { mapDenyList } from '../shared/deny-list.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createPutDenyEntryTask } from './task.ts';

const local = useLocalDynamo();

async function setup() {
  const kvs = new Map<string, string>();
  let clock = Date.UTC(2026, 0, 1);
  const task = createPutDenyEntryTask({ denyList: mapDenyList(kvs), now: () => new Date((clock += 1_000)) });
  const { runtime } = await local.runtime();
  return { kvs, handler: task(runtime) };
}

const input = { tenant: 'demo', key: 'demo/photos/a.jpg', reason: 'dmca', takedownId: 'takedown-1' };

describe('put-deny-entry', () => {
  it('writes the deny entry the viewer function reads, once per takedown', async () => {
    const { kvs, handler } = await setup();
    const results = await replay(handler, input);
    expect(results[0]).toEqual({ denyKey: 'd:demo/photos/a.jpg', at: '2026-01-01T00:00:01.000Z' });
    expect(results).toEqual([results[0], results[0], results[0]]);
    expect(kvs).toEqual(new Map([['d:demo/photos/a.jpg', JSON.stringify({ reason: 'dmca', at: '2026-01-01T00:00:01.000Z' })]]));
  });

  it.each([
    ['of another tenant', 'other/photos/a.jpg'],
    ['that is not an original key', 'demo/../other/a.jpg'],
    ['without an image extension', 'demo/photos/a.svg'],
  ])('refuses a key %s as TaskInputInvalid and writes nothing', async (_, key) => {
    const { kvs, handler } = await setup();
    await expect(handler({ ...input, key, executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(kvs.size).toBe(0);
  });

  it('refuses a reason too long for a KeyValueStore value', async () => {
    const { kvs, handler } = await setup();
    await expect(handler({ ...input, reason: 'x'.repeat(257), executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(kvs.size).toBe(0);
  });
});
