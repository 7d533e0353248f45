import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  InternalServerException,
  PutKeyCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { DENIED, EMPTY_SLOT, freshnessAddressOf, MAX_SLOT_ENTRIES, slotEntry } from '../../core/index.ts';
import { keyValueStoreFreshnessEntries, mapFreshnessEntries, MAX_PUT_ATTEMPTS } from './freshness-entries.ts';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/kvs-1';
const KEY = 'demo/a.jpg';
const { slotKey, id } = freshnessAddressOf(KEY);
const kvs = mockClient(CloudFrontKeyValueStoreClient);
const entries = () => keyValueStoreFreshnessEntries(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }), ARN);

const conflict = () => new ConflictException({ message: 'Pre-condition failed', $metadata: { httpStatusCode: 409 } });

let etags: number;
beforeEach(() => {
  kvs.reset();
  etags = 0;
  kvs.on(DescribeKeyValueStoreCommand).callsFake(async () => ({ ETag: `E${++etags}` }));
  kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: EMPTY_SLOT });
});

describe('keyValueStoreFreshnessEntries', () => {
  it("writes the original's slot with its entry, naming the store's ETag read before the slot", async () => {
    kvs.on(PutKeyCommand).resolves({ ETag: 'E2' });
    expect(await entries().set(KEY, DENIED)).toEqual({ slotKey, id, written: true });
    expect(kvs.commandCalls(PutKeyCommand).map((c) => c.args[0].input)).toEqual([{ KvsARN: ARN, Key: slotKey, Value: `${id}=!`, IfMatch: 'E1' }]);
  });

  it('writes nothing when the slot already says so (a replay)', async () => {
    kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: `${id}=!` });
    await entries().set(KEY, DENIED);
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(0);
  });

  it('asks the guard after reading the ETag, again on each attempt, and writes nothing when it says no', async () => {
    kvs.on(PutKeyCommand).rejectsOnce(conflict()).resolves({});
    const asked: number[] = [];
    await entries().set(KEY, DENIED, async () => (asked.push(etags), true));
    expect(asked).toEqual([1, 2]);
    kvs.resetHistory();
    expect(await entries().set(KEY, DENIED, async () => false)).toMatchObject({ written: false });
    expect(kvs.commandCalls(GetKeyCommand)).toHaveLength(0);
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(0);
  });

  it('reads the slot again and tries again when another writer moved the ETag', async () => {
    kvs.on(PutKeyCommand).rejectsOnce(conflict()).rejectsOnce(conflict()).resolves({});
    await entries().set(KEY, 'abc12345');
    expect(kvs.commandCalls(PutKeyCommand).map((c) => c.args[0].input.IfMatch)).toEqual(['E1', 'E2', 'E3']);
    expect(kvs.commandCalls(GetKeyCommand)).toHaveLength(3);
  });

  it('gives up after a few conflicts as StoreUnavailable, which the workflow retries later', async () => {
    kvs.on(PutKeyCommand).rejects(conflict());
    await expect(entries().set(KEY, DENIED)).rejects.toMatchObject({ name: 'StoreUnavailable' });
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(MAX_PUT_ATTEMPTS);
  });

  it('turns a server fault into StoreUnavailable', async () => {
    kvs.on(PutKeyCommand).rejects(new InternalServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
    await expect(entries().set(KEY, DENIED)).rejects.toMatchObject({ name: 'StoreUnavailable' });
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(1);
  });

  it('lets a permanent refusal and a full slot through as they are', async () => {
    kvs.on(PutKeyCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } }));
    await expect(entries().set(KEY, DENIED)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const full = Array.from({ length: MAX_SLOT_ENTRIES }, (_, i) => `${i.toString(16).padStart(12, '0')}=abc12345`).join(' ');
    kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: full });
    await expect(entries().set(KEY, DENIED)).rejects.toMatchObject({ name: 'SlotFull' });
  });

  describe('remove', () => {
    const TOKEN = 'abc12345';
    const NEIGHBOUR = `${'0'.repeat(12)}=zzzzzzzz`;
    const puts = () => kvs.commandCalls(PutKeyCommand).map((c) => c.args[0].input);

    it("writes the slot without the original's entry while it is the token, naming the store's ETag", async () => {
      kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: `${NEIGHBOUR} ${id}=${TOKEN}` });
      kvs.on(PutKeyCommand).resolves({});
      expect(await entries().remove(KEY, TOKEN)).toEqual({ slotKey, id, removed: true });
      expect(puts()).toEqual([{ KvsARN: ARN, Key: slotKey, Value: NEIGHBOUR, IfMatch: 'E1' }]);
    });

    it('writes the empty slot when the entry was its only one', async () => {
      kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: `${id}=${DENIED}` });
      kvs.on(PutKeyCommand).resolves({});
      expect(await entries().remove(KEY, DENIED)).toMatchObject({ removed: true });
      expect(puts().map((put) => put.Value)).toEqual([EMPTY_SLOT]);
    });

    it.each([
      ['a later change', `${id}=def67890 ${NEIGHBOUR}`],
      ['a takedown since', `${id}=${DENIED}`],
      ['no entry at all', NEIGHBOUR],
      ['an empty slot', EMPTY_SLOT],
    ])('writes nothing when the slot holds %s, and says removed: false', async (_, value) => {
      kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: value });
      expect(await entries().remove(KEY, TOKEN)).toEqual({ slotKey, id, removed: false });
      expect(puts()).toEqual([]);
    });

    it('reads the slot again after a conflict and removes the entry it still finds', async () => {
      kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: `${id}=${TOKEN} ${NEIGHBOUR}` });
      kvs.on(PutKeyCommand).rejectsOnce(conflict()).resolves({});
      expect(await entries().remove(KEY, TOKEN)).toMatchObject({ removed: true });
      expect(puts().map((put) => [put.IfMatch, put.Value])).toEqual([
        ['E1', NEIGHBOUR],
        ['E2', NEIGHBOUR],
      ]);
      expect(kvs.commandCalls(GetKeyCommand)).toHaveLength(2);
    });

    it('answers by the slot read on the attempt that succeeds: a later token written meanwhile stays', async () => {
      kvs
        .on(GetKeyCommand)
        .resolvesOnce({ Key: slotKey, Value: `${id}=${TOKEN}` })
        .resolves({ Key: slotKey, Value: `${id}=def67890` });
      kvs.on(PutKeyCommand).rejectsOnce(conflict()).resolves({});
      expect(await entries().remove(KEY, TOKEN)).toEqual({ slotKey, id, removed: false });
      expect(puts()).toHaveLength(1);
    });

    it('gives up after a few conflicts as StoreUnavailable', async () => {
      kvs.on(GetKeyCommand).resolves({ Key: slotKey, Value: `${id}=${TOKEN}` });
      kvs.on(PutKeyCommand).rejects(conflict());
      await expect(entries().remove(KEY, TOKEN)).rejects.toMatchObject({ name: 'StoreUnavailable' });
      expect(puts()).toHaveLength(MAX_PUT_ATTEMPTS);
    });
  });
});

describe('mapFreshnessEntries', () => {
  it('sets and replaces the entry the viewer function reads', async () => {
    const map = new Map([[slotKey, EMPTY_SLOT]]);
    const store = mapFreshnessEntries(map);
    await store.set(KEY, 'aaaaaaaa');
    expect(slotEntry(map.get(slotKey)!, id)).toBe('aaaaaaaa');
    await store.set(KEY, 'bbbbbbbb');
    expect(map.get(slotKey)).toBe(`${id}=bbbbbbbb`);
  });

  it('refuses a store that was not seeded with the slot', async () => {
    await expect(mapFreshnessEntries(new Map()).set(KEY, DENIED)).rejects.toThrow(/not seeded/);
  });

  it("removes the entry while it is the token, keeping the slot's other entries", async () => {
    const neighbour = `${'0'.repeat(12)}=zzzzzzzz`;
    const map = new Map([[slotKey, EMPTY_SLOT]]);
    const store = mapFreshnessEntries(map);
    await store.set(KEY, 'aaaaaaaa');
    expect(await store.remove(KEY, 'aaaaaaaa')).toEqual({ slotKey, id, removed: true });
    expect(map.get(slotKey)).toBe(EMPTY_SLOT);
    map.set(slotKey, `${neighbour} ${id}=!`);
    expect(await store.remove(KEY, DENIED)).toMatchObject({ removed: true });
    expect(map.get(slotKey)).toBe(neighbour);
  });

  it('leaves another token, or no entry, as it is and says removed: false', async () => {
    const map = new Map([[slotKey, EMPTY_SLOT]]);
    const store = mapFreshnessEntries(map);
    expect(await store.remove(KEY, 'aaaaaaaa')).toEqual({ slotKey, id, removed: false });
    expect(map.get(slotKey)).toBe(EMPTY_SLOT);
    await store.set(KEY, 'bbbbbbbb');
    expect(await store.remove(KEY, 'aaaaaaaa')).toMatchObject({ removed: false });
    expect(slotEntry(map.get(slotKey)!, id)).toBe('bbbbbbbb');
    await expect(mapFreshnessEntries(new Map()).remove(KEY, DENIED)).rejects.toThrow(/not seeded/);
  });
});
