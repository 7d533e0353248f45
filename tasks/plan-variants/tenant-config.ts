// The KeyValueStore API is signed with SigV4A; the SDK finds the signer once this is loaded.
import '@aws-sdk/signature-v4a';
import { GetKeyCommand, ResourceNotFoundException, type CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { StoreUnavailable, type TenantConfig, tenantConfigKey } from '../../core/index.ts';

/** The tenant's config as the viewer function reads it (`t:{tenant}`); undefined when it has none. */
export function keyValueStoreTenantConfig(client: CloudFrontKeyValueStoreClient, kvsArn: string) {
  return async (tenant: string): Promise<TenantConfig | undefined> => {
    const out = await client.send(new GetKeyCommand({ KvsARN: kvsArn, Key: tenantConfigKey(tenant) })).catch((err: unknown) => {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw new StoreUnavailable('key value store unavailable', { cause: err });
    });
    return out?.Value === undefined ? undefined : (JSON.parse(out.Value) as TenantConfig);
  };
}
