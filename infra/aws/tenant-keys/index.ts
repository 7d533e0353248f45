/**
 * Custom resource Custom::TenantKeys: keeps the KeyValueStore keys a deployment
 * owns equal to its config on every deploy: each tenant's `t:{tenant}` config
 * (ladder, signing mode) and `p:{Key-Pair-Id}` → tenant for the public keys of
 * key-group tenants. The store's import only seeds it when it is created, and
 * CloudFront assigns public key ids at deploy time, which an import made at
 * synth time cannot hold. Keys others write (d: takedowns, k: secrets by ops)
 * are never touched.
 *
 * Properties: KvsArn, Entries: [{ Key, Value }]. Create and Update put every
 * entry and delete the keys an update dropped; Delete removes them all.
 * It answers CloudFormation itself (no provider framework): one small function.
 */
// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, ConflictException, DescribeKeyValueStoreCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface TenantKeyEntry {
  readonly Key: string;
  readonly Value: string;
}

export interface TenantKeysProperties {
  readonly KvsArn: string;
  readonly Entries: readonly TenantKeyEntry[];
}

export interface KeyChanges {
  readonly puts: Array<{ Key: string; Value: string }>;
  readonly deletes: Array<{ Key: string }>;
}

/** Other writers (takedowns, ops) move the store's ETag between our read and our write. */
const MAX_UPDATE_ATTEMPTS = 4;
/** UpdateKeys takes at most 50 keys (puts and deletes together) per call (docs/aws-limits.md, KVS write API batch). */
export const MAX_KEYS_PER_UPDATE = 50;

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

export async function applyKeyChanges(client: CloudFrontKeyValueStoreClient, kvsArn: string, changes: KeyChanges): Promise<void> {
  for (const batch of batches(changes)) {
    for (let attempt = 1; ; attempt++) {
      try {
        const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
        await client.send(new UpdateKeysCommand({ KvsARN: kvsArn, IfMatch: ETag, Puts: batch.puts, Deletes: batch.deletes }));
        break;
      } catch (err) {
        if (!(err instanceof ConflictException) || attempt === MAX_UPDATE_ATTEMPTS) throw err;
      }
    }
  }
}

export function createHandler(client: CloudFrontKeyValueStoreClient) {
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const kvsArn = (event.ResourceProperties as unknown as TenantKeysProperties).KvsArn;
    let failure: string | undefined;
    try {
      await applyKeyChanges(client, kvsArn, keyChanges(event));
    } catch (err) {
      // A stack being deleted must not hang on a store that is already gone.
      if (event.RequestType !== 'Delete') failure = String(err);
    }
    const response = await fetch(event.ResponseURL, {
      method: 'PUT',
      headers: { 'content-type': '' },
      body: JSON.stringify({
        Status: failure === undefined ? 'SUCCESS' : 'FAILED',
        Reason: failure ?? 'tenant configs and key pair ids written',
        PhysicalResourceId: `${kvsArn}/tenant-keys`,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    });
    if (!response.ok) throw new Error(`CloudFormation did not take the response: ${response.status}`);
  };
}

export const handler = createHandler(new CloudFrontKeyValueStoreClient({}));
