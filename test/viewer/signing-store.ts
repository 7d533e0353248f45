/**
 * The KeyValueStore entries and clock of the signed-tenant event fixtures
 * (events/signed-*.json), shared by the sandbox tests and the njs cross-check.
 * The secrets are test values, signed into the fixtures with infra/signing.
 */
import { keyPairTenantKey, signingSecretKey, tenantConfigKey } from '../../edge/contract/index.ts';

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
