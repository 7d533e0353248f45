/**
 * Custom resource Custom::TenantKeys: keeps the KeyValueStore keys a deployment
 * owns equal to its config on every deploy: each tenant's `t:{tenant}` config
 * (ladder, signing mode) and `p:{Key-Pair-Id}` → tenant for the public keys of
 * key-group tenants. The store's import only seeds it when it is created, and
 * CloudFront assigns public key ids at deploy time, which an import made at
 * synth time cannot hold. Keys others write (s: slots of the tasks, k: secrets by
 * ops) are never overwritten.
 *
 * Properties: KvsArn, Entries: [{ Key, Value }], FreshnessSlots. Create and Update
 * put every entry and delete the keys an update dropped; Delete removes them all.
 * With FreshnessSlots they then upgrade a store created before the freshness
 * slots: every slot written, the d: takedowns of before moved into them (slots.ts;
 * docs/design.md, "Upgrading an existing store"). It answers CloudFormation itself
 * (no provider framework): one small function.
 */
// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import {
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  ListKeysCommand,
  ResourceNotFoundException,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { awsClientConfig } from '../../../tasks/shared/environment.ts';
import { SENTINEL_SLOT, slotUpgrade, type StoredKey } from './slots.ts';

export interface TenantKeyEntry {
  readonly Key: string;
  readonly Value: string;
}

export interface TenantKeysProperties {
  readonly KvsArn: string;
  readonly Entries: readonly TenantKeyEntry[];
  /**
   * Present: the deployment's viewer function reads the freshness slots, so the store must hold
   * them. A template that adds it sends an Update to a resource deployed before (CloudFormation
   * runs a custom resource on update only "if you changed the custom resource",
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html),
   * and a rollback to a template without it skips the upgrade.
   */
  readonly FreshnessSlots?: string;
}

export interface KeyChanges {
  readonly puts: Array<{ Key: string; Value: string }>;
  readonly deletes: Array<{ Key: string }>;
}

/** Other writers (takedowns, ops) move the store's ETag between our read and our write. */
const MAX_UPDATE_ATTEMPTS = 4;
/** UpdateKeys takes at most 50 keys (puts and deletes together) per call (docs/aws-limits.md, KVS write API batch). */
export const MAX_KEYS_PER_UPDATE = 50;
/** ListKeys answers at most 50 keys a page (docs/aws-limits.md §A). */
const LIST_PAGE_SIZE = 50;
/** Kept from the function's time to answer CloudFormation, and the most that answer may take. */
export const ANSWER_MS = 10_000;
/** The KeyValueStore client of the tasks: every attempt ends (tasks/shared/environment.ts, KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS). */
export const KVS_CLIENT_CONFIG = awsClientConfig('keyValueStore');

const entriesOf = (properties: unknown): readonly TenantKeyEntry[] => (properties as Partial<TenantKeysProperties> | undefined)?.Entries ?? [];

/** What one event changes in the store. */
export function keyChanges(event: CloudFormationCustomResourceEvent): KeyChanges {
  const current = event.RequestType === 'Delete' ? [] : entriesOf(event.ResourceProperties);
  const previous = event.RequestType === 'Create' ? [] : entriesOf(event.RequestType === 'Update' ? event.OldResourceProperties : event.ResourceProperties);
  const kept = new Set(current.map((entry) => entry.Key));
  return {
    puts: current.map(({ Key, Value }) => ({ Key, Value })),
    deletes: previous.filter((entry) => !kept.has(entry.Key)).map(({ Key }) => ({ Key })),
  };
}

/** The changes in calls of at most MAX_KEYS_PER_UPDATE keys, puts first. */
export function batches(changes: KeyChanges): KeyChanges[] {
  const all = [...changes.puts.map((put) => ({ put })), ...changes.deletes.map((del) => ({ del }))];
  const out: KeyChanges[] = [];
  for (let i = 0; i < all.length; i += MAX_KEYS_PER_UPDATE) {
    const slice = all.slice(i, i + MAX_KEYS_PER_UPDATE);
    out.push({ puts: slice.flatMap((c) => ('put' in c ? [c.put] : [])), deletes: slice.flatMap((c) => ('del' in c ? [c.del] : [])) });
  }
  return out;
}

const etagOf = async (client: CloudFrontKeyValueStoreClient, kvsArn: string, abortSignal?: AbortSignal): Promise<string | undefined> =>
  (await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }), { abortSignal })).ETag;

/** One UpdateKeys naming the store's version `etag`; the version after it. */
async function update(client: CloudFrontKeyValueStoreClient, kvsArn: string, etag: string | undefined, changes: KeyChanges, abortSignal?: AbortSignal) {
  const { ETag } = await client.send(new UpdateKeysCommand({ KvsARN: kvsArn, IfMatch: etag, Puts: changes.puts, Deletes: changes.deletes }), { abortSignal });
  return ETag;
}

export async function applyKeyChanges(client: CloudFrontKeyValueStoreClient, kvsArn: string, changes: KeyChanges, abortSignal?: AbortSignal): Promise<void> {
  for (const batch of batches(changes)) {
    for (let attempt = 1; ; attempt++) {
      try {
        await update(client, kvsArn, await etagOf(client, kvsArn, abortSignal), batch, abortSignal);
        break;
      } catch (err) {
        if (!(err instanceof ConflictException) || attempt === MAX_UPDATE_ATTEMPTS) throw err;
      }
    }
  }
}

/** Whether the store holds the sentinel slot; GetKey of a key the store lacks is ResourceNotFoundException (docs/aws-limits.md §A). */
async function hasSlots(client: CloudFrontKeyValueStoreClient, kvsArn: string, abortSignal?: AbortSignal): Promise<boolean> {
  try {
    await client.send(new GetKeyCommand({ KvsARN: kvsArn, Key: SENTINEL_SLOT }), { abortSignal });
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

async function listKeys(client: CloudFrontKeyValueStoreClient, kvsArn: string, abortSignal?: AbortSignal): Promise<StoredKey[]> {
  const keys: StoredKey[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListKeysCommand({ KvsARN: kvsArn, MaxResults: LIST_PAGE_SIZE, NextToken }), { abortSignal });
    for (const { Key, Value } of page.Items ?? []) if (Key !== undefined && Value !== undefined) keys.push({ Key, Value });
    NextToken = page.NextToken;
  } while (NextToken);
  return keys;
}

/**
 * One run of the upgrade: the slots, then the legacy takedowns' deletion, then the sentinel,
 * so a run that stops half-way leaves no sentinel and the next one redoes what is missing.
 * Each UpdateKeys names the version the previous call left, the first the version read before
 * the listing: a write by anyone since fails it (ConflictException), and no slot value it
 * carries is older than the store's.
 */
async function upgradeOnce(client: CloudFrontKeyValueStoreClient, kvsArn: string, abortSignal?: AbortSignal): Promise<string> {
  let etag = await etagOf(client, kvsArn, abortSignal);
  const { slots, legacy, sentinel } = slotUpgrade(await listKeys(client, kvsArn, abortSignal));
  for (const batch of [...batches({ puts: slots, deletes: legacy }), { puts: [sentinel], deletes: [] }]) {
    etag = (await update(client, kvsArn, etag, batch, abortSignal)) ?? (await etagOf(client, kvsArn, abortSignal));
  }
  return `${slots.length + 1} freshness slots written, ${legacy.length} ${legacy.length === 1 ? 'takedown' : 'takedowns'} moved from d: keys into them`;
}

/** Gives a store created before the freshness slots every slot (slots.ts); what it did, or undefined for a store that has them. */
export async function upgradeStore(client: CloudFrontKeyValueStoreClient, kvsArn: string, abortSignal?: AbortSignal): Promise<string | undefined> {
  if (await hasSlots(client, kvsArn, abortSignal)) return undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await upgradeOnce(client, kvsArn, abortSignal);
    } catch (err) {
      // Someone wrote meanwhile: read the store again; what this run wrote is now there and is kept.
      if (!(err instanceof ConflictException) || attempt === MAX_UPDATE_ATTEMPTS) throw err;
    }
  }
}

const upgrades = (event: CloudFormationCustomResourceEvent): boolean =>
  event.RequestType !== 'Delete' && (event.ResourceProperties as Partial<TenantKeysProperties>).FreshnessSlots !== undefined;

/** The failure CloudFormation shows: the deadline's, when the function's time ran out. */
function failureOf(err: unknown, budget: AbortSignal | undefined): string {
  if (!budget?.aborted) return String(err);
  return `TimeoutError: stopped ${ANSWER_MS} ms before the function's timeout (${String(err)}); what was written stays, and the next deploy continues from there`;
}

export function createHandler(client: CloudFrontKeyValueStoreClient) {
  return async (event: CloudFormationCustomResourceEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> => {
    const kvsArn = (event.ResourceProperties as unknown as TenantKeysProperties).KvsArn;
    // Every call stops in time for the answer: a function that times out leaves CloudFormation waiting for the resource's ServiceTimeout.
    const budget = context && AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - ANSWER_MS));
    let failure: string | undefined;
    let done = 'tenant configs and key pair ids written';
    try {
      await applyKeyChanges(client, kvsArn, keyChanges(event), budget);
      const upgraded = upgrades(event) ? await upgradeStore(client, kvsArn, budget) : undefined;
      if (upgraded) done += `; ${upgraded}`;
    } catch (err) {
      // A stack being deleted must not hang on a store that is already gone.
      if (event.RequestType !== 'Delete') failure = failureOf(err, budget);
    }
    const response = await fetch(event.ResponseURL, {
      method: 'PUT',
      headers: { 'content-type': '' },
      signal: AbortSignal.timeout(ANSWER_MS),
      body: JSON.stringify({
        Status: failure === undefined ? 'SUCCESS' : 'FAILED',
        Reason: failure ?? done,
        PhysicalResourceId: `${kvsArn}/tenant-keys`,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    });
    if (!response.ok) throw new Error(`CloudFormation did not take the response: ${response.status}`);
  };
}

export const handler = createHandler(new CloudFrontKeyValueStoreClient(KVS_CLIENT_CONFIG));
