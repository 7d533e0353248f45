/**
 * The KeyValueStore entries and clock the event fixtures (events/*.json) are
 * written against, shared by the sandbox tests, the njs cross-check and the
 * viewer benchmark. The secrets are test values, signed into the fixtures
 * with infra/signing.
 */
import { denyKey, keyPairTenantKey, signingSecretKey, tenantConfigKey } from '../../edge/contract/index.ts';

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

export const SIGNING_STORE_ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [tenantConfigKey('signed'), JSON.stringify({ signing: 'hmac' })],
  [signingSecretKey('signed', 'k1'), TEST_SECRETS.k1],
  [signingSecretKey('signed', 'k2'), TEST_SECRETS.k2],
  [tenantConfigKey('other'), JSON.stringify({ signing: 'hmac' })],
  [signingSecretKey('other', 'o1'), TEST_SECRETS.o1],
  [tenantConfigKey('keyed'), JSON.stringify({ signing: 'key-group' })],
  [keyPairTenantKey(KEYED_KEY_PAIR_ID), 'keyed'],
  [tenantConfigKey('keyed-other'), JSON.stringify({ signing: 'key-group' })],
  [keyPairTenantKey(OTHER_KEY_PAIR_ID), 'keyed-other'],
];

/** Everything the fixtures read: two tenants (one with its own ladder), one takedown, and the signed tenants. */
export const FIXTURE_STORE_ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [tenantConfigKey('demo'), '{}'],
  [tenantConfigKey('acme'), JSON.stringify({ ladder: [100, 200, 400] })],
  [denyKey('demo/banned/photo.jpg'), JSON.stringify({ reason: 'court order', at: '2026-01-01T00:00:00Z' })],
  ...SIGNING_STORE_ENTRIES,
];
