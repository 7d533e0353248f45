/**
 * The event fixtures (events/*.json) and the KeyValueStore entries and clock
 * they are written against, shared by the sandbox tests, the njs cross-check and the
 * viewer benchmark. The secrets are test values, signed into the fixtures
 * with tools/signer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DENIED, freshnessAddressOf, freshnessSeed, keyPairTenantKey, signingSecretKey, tenantConfigKey, withSlotEntry } from '../../core/index.ts';
import type { CloudFrontFunctionEvent } from '../../infra/local/cloudfront-function-runtime.ts';

/** The frozen "now" of every signed fixture: 2030-03-17T17:46:40Z. */
export const FIXTURE_NOW_MS = 1_900_000_000_000;

export const TEST_SECRETS = {
  /** Tenant `signed`, two kids valid at once (rotation). */
  k1: 'test-secret-k1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  k2: 'test-secret-k2-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
  /** Tenant `other`. */
  o1: 'test-secret-o1-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
} as const;

export const KEYED_KEY_PAIR_ID = 'KKEYEDTENANT001';
export const OTHER_KEY_PAIR_ID = 'KOTHERTENANT001';

/**
 * The signed tenants' entries: hmac tenant `signed` with kids k1 and k2 (rotation), hmac
 * tenant `other` with o1, and one key-group tenant per `keyGroupTenants` entry, its
 * Key-Pair-Id mapped to it.
 */
export function signingStoreEntries(
  secrets: { readonly k1: string; readonly k2: string; readonly o1: string },
  keyGroupTenants: Readonly<Record<string, string>>,
): Array<readonly [string, string]> {
  return [
    [tenantConfigKey('signed'), JSON.stringify({ signing: 'hmac' })],
    [signingSecretKey('signed', 'k1'), secrets.k1],
    [signingSecretKey('signed', 'k2'), secrets.k2],
    [tenantConfigKey('other'), JSON.stringify({ signing: 'hmac' })],
    [signingSecretKey('other', 'o1'), secrets.o1],
    ...Object.entries(keyGroupTenants).flatMap(([tenant, keyPairId]): Array<readonly [string, string]> => [
      [tenantConfigKey(tenant), JSON.stringify({ signing: 'key-group' })],
      [keyPairTenantKey(keyPairId), tenant],
    ]),
  ];
}

export const SIGNING_STORE_ENTRIES: ReadonlyArray<readonly [string, string]> = signingStoreEntries(TEST_SECRETS, {
  keyed: KEYED_KEY_PAIR_ID,
  'keyed-other': OTHER_KEY_PAIR_ID,
});

/** Every freshness slot as a deployment seeds it, with `changes` (original key → generation token or DENIED) in them. */
export function freshnessEntries(changes: Readonly<Record<string, string>> = {}): Array<readonly [string, string]> {
  const slots = new Map(freshnessSeed());
  for (const [key, token] of Object.entries(changes)) {
    const { slotKey, id } = freshnessAddressOf(key);
    slots.set(slotKey, withSlotEntry(slots.get(slotKey)!, id, token)!);
  }
  return [...slots];
}

/** The generation of the fixtures' one replaced original, `demo/replaced/photo.jpg`. */
export const REPLACED_TOKEN = 'r3pl4ced';

/** Everything the fixtures read: three tenants (one with its own ladder, one that also holds q, h and fit to steps, ratios and fits, with its own background), one takedown, one replaced original, and the signed tenants. */
export const FIXTURE_STORE_ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [tenantConfigKey('demo'), '{}'],
  [tenantConfigKey('acme'), JSON.stringify({ ladder: [100, 200, 400] })],
  [tenantConfigKey('frames'), JSON.stringify({ ladder: [100, 200, 400], qualities: [60, 85], ratios: [[1, 1], [16, 9]], fits: ['inside', 'cover', 'contain'], background: '#1D2330' })],
  ...SIGNING_STORE_ENTRIES,
  ...freshnessEntries({ 'demo/banned/photo.jpg': DENIED, 'demo/replaced/photo.jpg': REPLACED_TOKEN }),
];

/** The event fixtures by name (file name without `.json`), sorted. */
export function eventFixtures(): Array<{ readonly name: string; readonly event: CloudFrontFunctionEvent }> {
  const dir = join(import.meta.dirname, 'events');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.slice(0, -'.json'.length), event: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CloudFrontFunctionEvent }));
}
