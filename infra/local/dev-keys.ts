/**
 * The local stack's signing keys for its two signed tenants: generated on
 * first use into .local-data/ (git-ignored), so `npm start` and `npm run sign`
 * share them and no secret is ever committed. Tests make their own in memory.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateHmacSecret, type SigningKey } from '../../core/signing/index.ts';

/** Signs with HMAC tokens checked by the viewer function. */
export const HMAC_DEMO_TENANT = 'signed-demo';
/** Signs with CloudFront signed URLs of its own key group. */
export const KEY_GROUP_DEMO_TENANT = 'keygroup-demo';

export const LOCAL_SIGNING_KEYS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.local-data', 'signing-keys.json');

export interface LocalSigningKeys {
  readonly hmac: { readonly tenant: string; readonly kid: string; readonly secret: string };
  readonly keyGroup: { readonly tenant: string; readonly keyPairId: string; readonly privateKey: string; readonly publicKey: string };
}

/** CloudFront public key ids look like K2JCJMDEHXQW5F: K and 13 upper-case letters or digits. */
function keyPairId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `K${[...randomBytes(13)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

/** A key pair of the kind CloudFront key groups accept (RSA 2048, docs/aws-limits.md §C), as PEM: PKCS#8 private, SPKI public. */
export function generateRsaKeyPair(): { readonly privateKey: string; readonly publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

export function generateLocalSigningKeys(): LocalSigningKeys {
  const { privateKey, publicKey } = generateRsaKeyPair();
  return {
    hmac: { tenant: HMAC_DEMO_TENANT, kid: 'local-1', secret: generateHmacSecret() },
    keyGroup: { tenant: KEY_GROUP_DEMO_TENANT, keyPairId: keyPairId(), privateKey, publicKey },
  };
}

/** The keys in `file`, made and written there first if it does not exist yet. */
export async function loadOrCreateLocalSigningKeys(file: string = LOCAL_SIGNING_KEYS_FILE): Promise<LocalSigningKeys> {
  try {
    const keys = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSigningKeys>;
    if (typeof keys.hmac?.secret !== 'string' || typeof keys.keyGroup?.privateKey !== 'string') throw new TypeError('not signing keys');
    return keys as LocalSigningKeys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the local signing keys in ${file}: delete it to make new ones`, { cause: err });
  }
  const keys = generateLocalSigningKeys();
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
  return keys;
}

/** The local key that signs for `tenant`, or undefined when it is not one of the local signed tenants. */
export function localSigningKey(keys: LocalSigningKeys, tenant: string): SigningKey | undefined {
  if (tenant === keys.hmac.tenant) return { mode: 'hmac', kid: keys.hmac.kid, secret: keys.hmac.secret };
  if (tenant === keys.keyGroup.tenant) return { mode: 'key-group', keyPairId: keys.keyGroup.keyPairId, privateKey: keys.keyGroup.privateKey };
  return undefined;
}
