import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HMAC_DEMO_TENANT, KEY_GROUP_DEMO_TENANT, loadOrCreateLocalSigningKeys, localSigningKey } from './dev-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'imgedge-dev-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local signing keys', () => {
  it('are made once, readable by their owner only, and the same on every later load', async () => {
    const file = join(dir, 'a', 'signing-keys.json');
    const made = await loadOrCreateLocalSigningKeys(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateLocalSigningKeys(file)).toEqual(made);
    expect(made.keyGroup.keyPairId).toMatch(/^K[A-Z0-9]{13}$/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(made);
  });

  it('sign for the two local signed tenants, one per mode, and no other', async () => {
    const keys = await loadOrCreateLocalSigningKeys(join(dir, 'b.json'));
    expect(localSigningKey(keys, HMAC_DEMO_TENANT)).toMatchObject({ mode: 'hmac', kid: keys.hmac.kid, secret: keys.hmac.secret });
    expect(localSigningKey(keys, KEY_GROUP_DEMO_TENANT)).toMatchObject({ mode: 'key-group', keyPairId: keys.keyGroup.keyPairId });
    expect(localSigningKey(keys, 'demo')).toBeUndefined();
  });

  it('refuses a file that holds something else, saying to delete it', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"hmac":{}}');
    await expect(loadOrCreateLocalSigningKeys(file)).rejects.toThrow(`cannot read the local signing keys in ${file}: delete it to make new ones`);
  });
});
