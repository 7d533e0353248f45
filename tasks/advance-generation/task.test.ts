import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DENIED, freshnessAddressOf, generationTokenOf, slotEntry } from '../../core/index.ts';
import type { OriginalsTable } from '../record-original/originals-table.ts';
import { mapFreshnessEntries } from '../shared/freshness-entries.ts';
import { replay, seededSlots, useLocalDynamo } from '../../test/support/tasks.ts';
import { createAdvanceGenerationTask } from './task.ts';

const local = useLocalDynamo();
const KEY = 'demo/photos/a.jpg';
const { slotKey, id } = freshnessAddressOf(KEY);

let originalsTable: OriginalsTable;
const record = (etag: string, status = 'accepted') => local.documents.send(new PutCommand({ TableName: originalsTable.name, Item: { key: KEY, status, etag, sequencer: '1' } }));

beforeEach(async () => {
  originalsTable = { client: local.documents, name: await local.table('originals', 'key') };
});

async function setup() {
  const kvs = seededSlots();
  const { runtime } = await local.runtime();
  return { kvs, handler: createAdvanceGenerationTask({ entries: mapFreshnessEntries(kvs), originalsTable })(runtime) };
}

const upload = (etag: string, sequencer = '10') => ({ tenant: 'demo', key: KEY, etag, sequencer });
const tokenOf = (etag: string) => generationTokenOf(`${KEY}@${etag}`);

describe('advance-generation', () => {
  it("gives the original this upload's token, the same on every replay", async () => {
    const { kvs, handler } = await setup();
    await record('etag-1');
    const results = await replay(handler, upload('etag-1'));
    expect(results).toEqual(Array(3).fill({ slotKey, id, token: tokenOf('etag-1'), written: true }));
    expect(slotEntry(kvs.get(slotKey)!, id)).toBe(tokenOf('etag-1'));
  });

  it('moves to a new token on the next upload, and lifts a takedown for an upload after it', async () => {
    const { kvs, handler } = await setup();
    await record('etag-1');
    await handler({ ...upload('etag-1'), executionName: 'u1' });
    await mapFreshnessEntries(kvs).set(KEY, DENIED);
    await record('etag-2');
    await handler({ ...upload('etag-2', '20'), executionName: 'u2' });
    expect(slotEntry(kvs.get(slotKey)!, id)).toBe(tokenOf('etag-2'));
    expect(tokenOf('etag-2')).not.toBe(tokenOf('etag-1'));
  });

  it('writes nothing for an upload a later one replaced since (a late retry or a redrive), and says so', async () => {
    const { kvs, handler } = await setup();
    await record('etag-3');
    await handler({ ...upload('etag-3', '30'), executionName: 'u3' });
    expect(await handler({ ...upload('etag-2', '20'), executionName: 'u2' })).toMatchObject({ written: false });
    expect(slotEntry(kvs.get(slotKey)!, id)).toBe(tokenOf('etag-3'));
  });

  it('takes A, B, A, B again as four uploads: the store ends at B', async () => {
    const { kvs, handler } = await setup();
    for (const [etag, sequencer] of [['A', '1'], ['B', '2'], ['A', '3'], ['B', '4']] as const) {
      await record(etag);
      await handler({ ...upload(etag, sequencer), executionName: `u${sequencer}` });
      expect(slotEntry(kvs.get(slotKey)!, id)).toBe(tokenOf(etag));
    }
  });

  it('refuses a key of another tenant and writes nothing', async () => {
    const { kvs, handler } = await setup();
    await expect(handler({ ...upload('e'), tenant: 'other', executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(kvs).toEqual(seededSlots());
  });
});
