import { readFile } from 'node:fs/promises';
import { keyPairTenantKey, signingSecretKey } from '../../core/index.ts';
import type { LocalSigningKeys } from './dev-keys.ts';
import { PRIMARY_REGION, type LocalStack } from './stack.ts';

export const DEMO_TENANT = 'demo';

const SAMPLES: ReadonlyArray<readonly [file: string, contentType: string]> = [
  ['landscape.jpg', 'image/jpeg'],
  ['badge.png', 'image/png'],
  ['golden-ratio.gif', 'image/gif'],
];

/** Tenant `demo` with the sample originals of infra/local/samples (provenance in its README). */
export async function seedDemo(stack: LocalStack): Promise<string[]> {
  stack.putTenant(DEMO_TENANT, {});
  const keys: string[] = [];
  for (const [file, contentType] of SAMPLES) keys.push(await putSample(stack, DEMO_TENANT, file, contentType));
  await stack.replication.settled();
  return keys;
}

/**
 * The two signed tenants, one per mode, each with the landscape sample:
 * the HMAC tenant's secret under its kid, and the key-group tenant's public key
 * trusted by its own behavior and mapped to it (`p:{Key-Pair-Id}`), as CDK and ops
 * set them up in AWS. Returns the sample's key per tenant.
 */
export async function seedSignedTenants(stack: LocalStack, keys: LocalSigningKeys): Promise<{ hmac: string; keyGroup: string }> {
  stack.putTenant(keys.hmac.tenant, { signing: 'hmac' });
  stack.kvs.set(signingSecretKey(keys.hmac.tenant, keys.hmac.kid), keys.hmac.secret);

  const { tenant, keyPairId, publicKey } = keys.keyGroup;
  stack.putTenant(tenant, { signing: 'key-group' });
  stack.kvs.set(keyPairTenantKey(keyPairId), tenant);
  stack.keyGroups.set(tenant, [{ id: keyPairId, publicKey }]);

  const seeded = {
    hmac: await putSample(stack, keys.hmac.tenant, 'landscape.jpg', 'image/jpeg'),
    keyGroup: await putSample(stack, tenant, 'landscape.jpg', 'image/jpeg'),
  };
  await stack.replication.settled();
  return seeded;
}

/** Uploaded on the state's first start only: after a restart it is there, or was taken down or replaced since. */
async function putSample(stack: LocalStack, tenant: string, file: string, contentType: string): Promise<string> {
  const key = `${tenant}/samples/${file}`;
  if (stack.state.existed) return key;
  const body = await readFile(new URL(`./samples/${file}`, import.meta.url));
  await stack.originals[PRIMARY_REGION].put(key, body, { contentType });
  return key;
}
