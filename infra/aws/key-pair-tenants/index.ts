/**
 * Custom resource Custom::KeyPairTenants: keeps `p:{Key-Pair-Id}` → tenant in
 * the KeyValueStore for the public keys of key-group tenants, so the viewer
 * function can check that a signed URL's key belongs to the tenant in its path.
 * CloudFront assigns public key ids at deploy time, which the KeyValueStore's
 * import (made at synth time) cannot hold.
 *
 * Properties: KvsArn, Mappings: [{ KeyPairId, Tenant }]. Create and Update put
 * every mapping and delete those an update dropped; Delete removes them all.
 * It answers CloudFormation itself (no provider framework): one small function.
 */
// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, ConflictException, DescribeKeyValueStoreCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { keyPairTenantKey } from '../../../edge/contract/kvs.ts';

export interface KeyPairMapping {
  readonly KeyPairId: string;
  readonly Tenant: string;
}

export interface KeyPairTenantsProperties {
  readonly KvsArn: string;
  readonly Mappings: readonly KeyPairMapping[];
}

export interface KeyChanges {
  readonly puts: Array<{ Key: string; Value: string }>;
  readonly deletes: Array<{ Key: string }>;
}

/** Other writers (takedowns, ops) move the store's ETag between our read and our write. */
const MAX_UPDATE_ATTEMPTS = 4;

const mappingsOf = (properties: unknown): readonly KeyPairMapping[] => (properties as Partial<KeyPairTenantsProperties> | undefined)?.Mappings ?? [];

/** What one event changes in the store. */
export function keyChanges(event: CloudFormationCustomResourceEvent): KeyChanges {
  const current = event.RequestType === 'Delete' ? [] : mappingsOf(event.ResourceProperties);
  const previous = event.RequestType === 'Create' ? [] : mappingsOf(event.RequestType === 'Update' ? event.OldResourceProperties : event.ResourceProperties);
  const kept = new Set(current.map((m) => m.KeyPairId));
  return {
    puts: current.map((m) => ({ Key: keyPairTenantKey(m.KeyPairId), Value: m.Tenant })),
    deletes: previous.filter((m) => !kept.has(m.KeyPairId)).map((m) => ({ Key: keyPairTenantKey(m.KeyPairId) })),
  };
}

export async function applyKeyChanges(client: CloudFrontKeyValueStoreClient, kvsArn: string, changes: KeyChanges): Promise<void> {
  if (changes.puts.length === 0 && changes.deletes.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
      await client.send(new UpdateKeysCommand({ KvsARN: kvsArn, IfMatch: ETag, Puts: changes.puts, Deletes: changes.deletes }));
      return;
    } catch (err) {
      if (!(err instanceof ConflictException) || attempt === MAX_UPDATE_ATTEMPTS) throw err;
    }
  }
}

export function createHandler(client: CloudFrontKeyValueStoreClient) {
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const kvsArn = (event.ResourceProperties as unknown as KeyPairTenantsProperties).KvsArn;
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
        Reason: failure ?? 'key pair ids mapped to their tenants',
        PhysicalResourceId: `${kvsArn}/key-pair-tenants`,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    });
    if (!response.ok) throw new Error(`CloudFormation did not take the response: ${response.status}`);
  };
}

export const handler = createHandler(new CloudFrontKeyValueStoreClient({}));
