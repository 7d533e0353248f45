import {
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  InternalServerException,
  ListKeysCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  UpdateKeysCommand,
  ValidationException,
  type ListKeysCommandInput,
  type UpdateKeysCommandInput,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DENIED, EMPTY_SLOT, freshnessAddressOf, freshnessSeed, FRESHNESS_SLOTS, MAX_SLOT_ENTRIES } from '../../../core/index.ts';
import { batches, createHandler, keyChanges, MAX_KEYS_PER_UPDATE } from './index.ts';
import { SENTINEL_SLOT } from './slots.ts';

const KVS_ARN = 'arn:aws:cloudfront::123456789012:key-value-store/abc';
const kvs = mockClient(CloudFrontKeyValueStoreClient);
let server: Server;
let responses: Array<Record<string, string>>;
let responseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      responses.push(JSON.parse(body) as Record<string, string>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  kvs.reset();
  responses = [];
});

const entries = (...pairs: Array<[string, string]>) => pairs.map(([Key, Value]) => ({ Key, Value }));
function event(type: 'Create' | 'Update' | 'Delete', current: ReturnType<typeof entries>, old: ReturnType<typeof entries> = []): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    ResponseURL: responseUrl,
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'TenantKeys',
    ResourceType: 'Custom::TenantKeys',
    ResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Entries: current },
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'p', OldResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Entries: old } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'p' };
}

describe('Custom::TenantKeys', () => {
  it('puts every tenant config and key pair mapping on create', () => {
    expect(keyChanges(event('Create', entries(['t:shop', '{"signing":"key-group"}'], ['p:K1', 'shop'])))).toEqual({
      puts: [{ Key: 't:shop', Value: '{"signing":"key-group"}' }, { Key: 'p:K1', Value: 'shop' }],
      deletes: [],
    });
  });

  it('rewrites a changed config on update (a tenant that now signs is enforced), deletes the keys dropped, and all on delete', () => {
    expect(keyChanges(event('Update', entries(['t:shop', '{"signing":"hmac"}'], ['p:K2', 'shop']), entries(['t:shop', '{}'], ['p:K1', 'shop'], ['p:K2', 'shop'])))).toEqual({
      puts: [{ Key: 't:shop', Value: '{"signing":"hmac"}' }, { Key: 'p:K2', Value: 'shop' }],
      deletes: [{ Key: 'p:K1' }],
    });
    expect(keyChanges(event('Delete', entries(['t:shop', '{}'], ['p:K1', 'shop'])))).toEqual({ puts: [], deletes: [{ Key: 't:shop' }, { Key: 'p:K1' }] });
  });

  it('splits the changes into calls of at most 50 keys', () => {
    const puts = Array.from({ length: 60 }, (_, i) => ({ Key: `t:tenant-${i}`, Value: '{}' }));
    const deletes = Array.from({ length: 45 }, (_, i) => ({ Key: `p:K${i}` }));
    const calls = batches({ puts, deletes });
    expect(calls.map((call) => call.puts.length + call.deletes.length)).toEqual([MAX_KEYS_PER_UPDATE, 50, 5]);
    expect(calls.flatMap((call) => call.puts)).toEqual(puts);
    expect(calls.flatMap((call) => call.deletes)).toEqual(deletes);
  });

  it("writes with the store's ETag, retries a conflicting write, and answers CloudFormation SUCCESS", async () => {
    kvs.on(DescribeKeyValueStoreCommand).resolves({ ETag: 'e1' });
    kvs.on(UpdateKeysCommand).rejectsOnce(new ConflictException({ message: 'etag moved', $metadata: {} })).resolves({ ETag: 'e2' });
    await createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }))(event('Create', entries(['p:K1', 'shop'])));
    const updates = kvs.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toEqual({ KvsARN: KVS_ARN, IfMatch: 'e1', Puts: [{ Key: 'p:K1', Value: 'shop' }], Deletes: [] });
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', RequestId: 'request', LogicalResourceId: 'TenantKeys' })]);
  });

  it('answers FAILED with the reason when the store refuses, but lets a delete succeed', async () => {
    kvs.on(DescribeKeyValueStoreCommand).rejects(new Error('AccessDenied'));
    const handler = createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }));
    await handler(event('Create', entries(['p:K1', 'shop'])));
    await handler(event('Delete', entries(['p:K1', 'shop'])));
    expect(responses.map((r) => [r.Status, r.Reason])).toEqual([
      ['FAILED', 'Error: AccessDenied'],
      ['SUCCESS', 'tenant configs and key pair ids written'],
    ]);
  });
});

/**
 * A KeyValueStore behind the mock, as the API documents it (docs/aws-limits.md §A): a version
 * (ETag) that every write moves and every UpdateKeys must name, all-or-nothing UpdateKeys of at
 * most 50 keys, ListKeys pages of at most 50, GetKey of a missing key ResourceNotFoundException.
 */
class FakeStore {
  readonly keys: Map<string, string>;
  private version = 1;
  private sorted: string[] | undefined;
  /** Every UpdateKeys that succeeded, in order. */
  readonly updates: Array<{ puts: string[]; deletes: string[] }> = [];
  /** Called before each UpdateKeys is looked at, with its 1-based number: a test's fault. */
  beforeUpdate: (call: number) => void = () => {};
  /** Called once each UpdateKeys succeeded, with its number: a test's other writer, between two of ours. */
  afterUpdate: (call: number) => void = () => {};
  private calls = 0;

  constructor(keys: Iterable<[string, string]>) {
    this.keys = new Map(keys);
  }

  get etag(): string {
    return `e${this.version}`;
  }

  /** Someone else's PutKey: the takedown or upload tasks, ops. */
  write(key: string, value: string): void {
    this.keys.set(key, value);
    this.moved();
  }

  get(key: string) {
    const value = this.keys.get(key);
    if (value === undefined) throw new ResourceNotFoundException({ message: 'Resource was not found', $metadata: {} });
    return { Key: key, Value: value, ItemCount: this.keys.size, TotalSizeInBytes: 0 };
  }

  list({ MaxResults = 10, NextToken }: ListKeysCommandInput) {
    if (MaxResults > 50) throw new ValidationException({ message: 'MaxResults must be 1 to 50', $metadata: {} });
    this.sorted ??= [...this.keys.keys()].sort();
    const start = NextToken === undefined ? 0 : Number(NextToken);
    const Items = this.sorted.slice(start, start + MaxResults).map((Key) => ({ Key, Value: this.keys.get(Key) as string }));
    return { Items, NextToken: start + MaxResults < this.sorted.length ? String(start + MaxResults) : undefined };
  }

  update({ IfMatch, Puts = [], Deletes = [] }: UpdateKeysCommandInput) {
    this.beforeUpdate(++this.calls);
    if (Puts.length + Deletes.length > 50) throw new ServiceQuotaExceededException({ message: 'at most 50 keys', $metadata: {} });
    if (IfMatch !== this.etag) throw new ConflictException({ message: 'the store changed', $metadata: {} });
    for (const { Key, Value } of Puts) this.keys.set(Key as string, Value as string);
    for (const { Key } of Deletes) this.keys.delete(Key as string);
    this.updates.push({ puts: Puts.map(({ Key }) => Key as string), deletes: Deletes.map(({ Key }) => Key as string) });
    this.moved();
    const ETag = this.etag;
    this.afterUpdate(this.calls);
    return { ETag, ItemCount: this.keys.size, TotalSizeInBytes: 0 };
  }

  private moved(): void {
    this.version++;
    this.sorted = undefined;
  }
}

function serve(store: FakeStore): void {
  kvs.on(DescribeKeyValueStoreCommand).callsFake(async () => ({ ETag: store.etag }));
  kvs.on(GetKeyCommand).callsFake(async ({ Key }: { Key: string }) => store.get(Key));
  kvs.on(ListKeysCommand).callsFake(async (input: ListKeysCommandInput) => store.list(input));
  kvs.on(UpdateKeysCommand).callsFake(async (input: UpdateKeysCommandInput) => store.update(input));
}

/** A deploy of this version: its template has FreshnessSlots (infra/aws/stacks/edge.ts). */
function deploy(): CloudFormationCustomResourceEvent {
  const update = event('Update', entries(['t:shop', '{}']), entries(['t:shop', '{}']));
  return { ...update, ResourceProperties: { ...update.ResourceProperties, FreshnessSlots: String(FRESHNESS_SLOTS) } };
}

const handlerOf = () => createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }));
const slotOf = (originalKey: string) => freshnessAddressOf(originalKey).slotKey;
const entryOf = (originalKey: string) => `${freshnessAddressOf(originalKey).id}=${DENIED}`;
const idsIn = (value: string) => (value === EMPTY_SLOT ? [] : value.split(' ').map((entry) => entry.split('=')[0]));
/** The first original under demo/ whose slot is `slot`. */
function originalIn(slot: string): string {
  for (let i = 0; ; i++) if (slotOf(`demo/f/${i}.jpg`) === slot) return `demo/f/${i}.jpg`;
}

const CAT = 'demo/photos/cat.jpg';
const DOG = 'demo/photos/dog.jpg';
const LAST = originalIn(SENTINEL_SLOT);
/** An upload's entry, and an ops secret: what the upgrade must keep. */
const UPLOADED = 'aaaaaaaaaaaa=k3j2x9m4';

/** A store deployed before the slots: tenant config, a secret, three takedowns (one in an existing slot with an entry, one in the sentinel's), two slots. */
function storeBeforeSlots(): FakeStore {
  return new FakeStore([
    ['t:shop', '{}'],
    ['k:shop:1', 'secret'],
    [`d:${CAT}`, '{"reason":"dmca","at":"2025-01-01T00:00:00.000Z"}'],
    [`d:${DOG}`, '{"reason":"dmca","at":"2025-01-02T00:00:00.000Z"}'],
    [`d:${LAST}`, '{"reason":"dmca","at":"2025-01-03T00:00:00.000Z"}'],
    ['s:0000', EMPTY_SLOT],
    [slotOf(CAT), UPLOADED],
  ]);
}

/** Every slot there, each id once, no d: key, the takedowns denied, the keys of others kept. */
function expectUpgraded(store: FakeStore): void {
  const slots = freshnessSeed().map(([slot]) => store.keys.get(slot));
  expect(slots.filter((value) => value === undefined)).toHaveLength(0);
  for (const value of slots as string[]) expect(new Set(idsIn(value)).size).toBe(idsIn(value).length);
  expect([...store.keys.keys()].filter((key) => key.startsWith('d:'))).toEqual([]);
  expect(store.keys.get(slotOf(CAT))).toBe(`${UPLOADED} ${entryOf(CAT)}`);
  expect(store.keys.get(slotOf(DOG))).toBe(entryOf(DOG));
  expect(store.keys.get(SENTINEL_SLOT)).toBe(entryOf(LAST));
  expect(store.keys.get('k:shop:1')).toBe('secret');
}

describe('Custom::TenantKeys upgrading a store created before the freshness slots', () => {
  it('leaves a store that has the slots alone: one GetKey of the sentinel, no listing, no slot written', async () => {
    const store = new FakeStore([['t:shop', '{}'], ...freshnessSeed()]);
    serve(store);
    await handlerOf()(deploy());
    expect(kvs.commandCalls(GetKeyCommand).map((call) => call.args[0].input.Key)).toEqual([SENTINEL_SLOT]);
    expect(kvs.commandCalls(ListKeysCommand)).toHaveLength(0);
    expect(store.updates).toEqual([{ puts: ['t:shop'], deletes: [] }]);
    expect(responses.map((r) => [r.Status, r.Reason])).toEqual([['SUCCESS', 'tenant configs and key pair ids written']]);
  });

  it('does not upgrade for a template without FreshnessSlots (a rollback to one from before)', async () => {
    const store = storeBeforeSlots();
    serve(store);
    await handlerOf()(event('Update', entries(['t:shop', '{}']), entries(['t:shop', '{}'])));
    expect(kvs.commandCalls(GetKeyCommand)).toHaveLength(0);
    expect(store.keys.has(`d:${CAT}`)).toBe(true);
  });

  it('writes every missing slot, merges the takedowns into the slots that exist, deletes the d: keys, the sentinel last, 50 keys a call at most', async () => {
    const store = storeBeforeSlots();
    serve(store);
    await handlerOf()(deploy());

    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect(responses[0]?.Reason).toMatch(/; 65535 freshness slots written, 3 takedowns moved from d: keys into them$/);
    expectUpgraded(store);
    const [tenants, ...upgrade] = store.updates;
    expect(tenants).toEqual({ puts: ['t:shop'], deletes: [] });
    for (const call of upgrade) expect(call.puts.length + call.deletes.length).toBeLessThanOrEqual(MAX_KEYS_PER_UPDATE);
    expect(upgrade.at(-1)).toEqual({ puts: [SENTINEL_SLOT], deletes: [] });
    const order = upgrade.flatMap((call) => [...call.puts.map((key) => ['put', key]), ...call.deletes.map((key) => ['delete', key])]);
    const firstDelete = order.findIndex(([op]) => op === 'delete');
    expect(order.slice(firstDelete, -1).every(([op]) => op === 'delete')).toBe(true);
    expect(order.filter(([, key]) => key === SENTINEL_SLOT)).toHaveLength(1);
    // A slot that exists and lacks nothing is not written.
    expect(order.some(([, key]) => key === 's:0000')).toBe(false);
    expect(upgrade).toHaveLength(Math.ceil((FRESHNESS_SLOTS - 2 + 3) / MAX_KEYS_PER_UPDATE) + 1);
  });

  it('keeps what another writer put into a slot between the listing and its UpdateKeys: the run reads the store again', async () => {
    const store = storeBeforeSlots();
    const takenDown = 'bbbbbbbbbbbb=!';
    store.afterUpdate = (call) => {
      // Right after the upgrade's first UpdateKeys (the tenant configs' is call 1), long before the cat's slot is written.
      if (call === 2) store.write(slotOf(CAT), `${store.keys.get(slotOf(CAT))} ${takenDown}`);
    };
    serve(store);
    await handlerOf()(deploy());
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect(store.keys.get(slotOf(CAT))).toBe(`${UPLOADED} ${takenDown} ${entryOf(CAT)}`);
    expect(kvs.commandCalls(ListKeysCommand).filter((call) => call.args[0].input.NextToken === undefined)).toHaveLength(2);
  });

  it('completes in the next deploy a run that failed half-way, writing only what is missing and keeping what others wrote since', async () => {
    const store = storeBeforeSlots();
    store.beforeUpdate = (call) => {
      if (call === 400) throw new InternalServerException({ message: 'Internal server error', $metadata: {} });
    };
    serve(store);
    const handler = handlerOf();
    await handler(deploy());
    expect(responses.map((r) => [r.Status, r.Reason])).toEqual([['FAILED', 'InternalServerException: Internal server error']]);
    expect(store.keys.has(SENTINEL_SLOT)).toBe(false);
    expect(store.keys.has(`d:${CAT}`)).toBe(true);
    const firstRun = new Set(store.updates.slice(1).flatMap((call) => call.puts));
    expect(firstRun.size).toBe(398 * MAX_KEYS_PER_UPDATE);

    // Between the deploys the new tasks run: a takedown and an upload land in slots the first run wrote.
    const [takedownSlot, uploadSlot] = [...firstRun];
    store.write(takedownSlot as string, 'cccccccccccc=!');
    store.write(uploadSlot as string, 'dddddddddddd=m4k3j2x9');
    store.beforeUpdate = () => {};
    const before = store.updates.length;
    await handler(deploy());

    expect(responses.map((r) => r.Status)).toEqual(['FAILED', 'SUCCESS']);
    expectUpgraded(store);
    expect(store.keys.get(takedownSlot as string)).toBe('cccccccccccc=!');
    expect(store.keys.get(uploadSlot as string)).toBe('dddddddddddd=m4k3j2x9');
    const secondRun = store.updates.slice(before + 1).flatMap((call) => call.puts);
    expect(secondRun.filter((key) => firstRun.has(key))).toEqual([]);
  });

  it('fails the deploy naming the slot when a slot cannot take its takedown, before writing any slot', async () => {
    const full = Array.from({ length: MAX_SLOT_ENTRIES }, (_, i) => `${i.toString(16).padStart(12, '0')}=k3j2x9m4`).join(' ');
    const store = storeBeforeSlots();
    store.write(slotOf(CAT), full);
    serve(store);
    await handlerOf()(deploy());
    expect(responses.map((r) => r.Status)).toEqual(['FAILED']);
    expect(responses[0]?.Reason).toBe(
      `SlotFull: freshness slot ${slotOf(CAT)} holds ${MAX_SLOT_ENTRIES} entries, the most a slot can: no room for the takedown d:${CAT}. ` +
        'No slot was written in this run; delete the d: keys of takedowns that no longer apply and deploy again',
    );
    expect(store.updates).toEqual([{ puts: ['t:shop'], deletes: [] }]);
  });
});
