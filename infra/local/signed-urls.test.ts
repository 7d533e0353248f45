import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRsaKeyPair } from './dev-keys.ts';
import { checkSignedUrl, fromCloudFrontBase64 } from './signed-urls.ts';

const { privateKey, publicKey } = generateRsaKeyPair();
const KEY_ID = 'KTESTKEY000001';
const TRUSTED = [{ id: KEY_ID, publicKey }];
const URL_ = 'https://img.example.com/keyed/cat.jpg?w=640';
const NOW = new Date('2030-01-01T00:00:00Z');
const inAnHour = new Date(NOW.getTime() + 3_600_000);
const IP = '198.51.100.7';

const toCloudFrontBase64 = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');

/** A custom-policy URL for any policy JSON, signed here (not by the SDK) to reach what the SDK never writes. */
function withPolicy(policy: object, base = URL_): string {
  const json = JSON.stringify(policy);
  const signature = createSign('RSA-SHA1').update(json).sign(privateKey);
  return `${base}&Policy=${toCloudFrontBase64(Buffer.from(json))}&Signature=${toCloudFrontBase64(signature)}&Key-Pair-Id=${KEY_ID}`;
}
const statement = (condition: object, resource?: string) => ({ Statement: [{ ...(resource !== undefined && { Resource: resource }), Condition: condition }] });
const until = (date: Date) => ({ DateLessThan: { 'AWS:EpochTime': Math.floor(date.getTime() / 1000) } });

describe('Function: checkSignedUrl', () => {
  it('accepts what @aws-sdk/cloudfront-signer signs: canned, custom, and SHA-256', () => {
    for (const algorithm of ['SHA1', 'SHA256'] as const) {
      const canned = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour, algorithm });
      const custom = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour, dateGreaterThan: NOW, ipAddress: '198.51.100.0/24', algorithm });
      expect(checkSignedUrl(canned, TRUSTED, NOW, IP)).toEqual({ ok: true });
      expect(checkSignedUrl(custom, TRUSTED, NOW, IP)).toEqual({ ok: true });
    }
  });

  it('refuses a SHA-1 signature presented as SHA-256, and an unknown Hash-Algorithm', () => {
    const canned = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour });
    expect(checkSignedUrl(`${canned}&Hash-Algorithm=SHA256`, TRUSTED, NOW, IP)).toMatchObject({ ok: false, code: 'AccessDenied' });
    for (const algorithm of ['MD5', 'toString', 'constructor', '__proto__']) {
      expect(checkSignedUrl(`${canned}&Hash-Algorithm=${algorithm}`, TRUSTED, NOW, IP), algorithm).toMatchObject({ ok: false, message: 'unknown Hash-Algorithm' });
    }
  });

  it('binds a canned policy to the exact scheme, host, path and query', () => {
    const canned = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour });
    for (const changed of [canned.replace('https:', 'http:'), canned.replace('img.example.com', 'evil.example.com'), canned.replace('cat.jpg', 'dog.jpg'), canned.replace('w=640', 'w=641')]) {
      expect(checkSignedUrl(changed, TRUSTED, NOW, IP)).toMatchObject({ ok: false, message: 'the signature does not match the policy' });
    }
  });

  it('expires at DateLessThan: valid one second before, refused at it', () => {
    const canned = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour });
    expect(checkSignedUrl(canned, TRUSTED, new Date(inAnHour.getTime() - 1000), IP)).toEqual({ ok: true });
    expect(checkSignedUrl(canned, TRUSTED, inAnHour, IP)).toMatchObject({ ok: false, message: 'expired' });
  });

  it('matches a custom Resource with * and ? wildcards, literally otherwise', () => {
    const ok = (resource: string) => checkSignedUrl(withPolicy(statement(until(inAnHour), resource)), TRUSTED, NOW, IP).ok;
    expect(ok('https://img.example.com/keyed/*')).toBe(true);
    expect(ok('https://img.example.com/keyed/ca?.jpg?w=640')).toBe(true);
    expect(ok('https://img.example.com/keyed/cat.jpg?w=64?')).toBe(true);
    expect(ok('https://img.example.com/other/*')).toBe(false);
    expect(ok('https://img.example.com/keyed/cat.jpg')).toBe(false);
    expect(ok('https://img.example.com/keyed/cat(jpg).*')).toBe(false);
  });

  it('applies a policy without Resource to any URL, but never one without DateLessThan', () => {
    expect(checkSignedUrl(withPolicy(statement(until(inAnHour))), TRUSTED, NOW, IP)).toEqual({ ok: true });
    expect(checkSignedUrl(withPolicy(statement({ DateGreaterThan: { 'AWS:EpochTime': 1 } })), TRUSTED, NOW, IP)).toMatchObject({ message: 'the policy has no DateLessThan' });
    expect(checkSignedUrl(withPolicy({ Statement: [] }), TRUSTED, NOW, IP)).toMatchObject({ ok: false });
  });

  it('refuses a custom policy before DateGreaterThan and outside its CIDR', () => {
    const later = { ...until(inAnHour), DateGreaterThan: { 'AWS:EpochTime': Math.floor(NOW.getTime() / 1000) + 1 } };
    expect(checkSignedUrl(withPolicy(statement(later)), TRUSTED, NOW, IP)).toMatchObject({ message: 'not valid yet' });
    const cidr = (range: string, ip: string) => checkSignedUrl(withPolicy(statement({ ...until(inAnHour), IpAddress: { 'AWS:SourceIp': range } })), TRUSTED, NOW, ip).ok;
    expect(cidr('198.51.100.7/32', IP)).toBe(true);
    expect(cidr('198.51.100.7/32', `::ffff:${IP}`)).toBe(true);
    expect(cidr('198.51.100.0/25', '198.51.100.200')).toBe(false);
    expect(cidr('not-an-ip/8', IP)).toBe(false);
  });

  it('refuses an untrusted Key-Pair-Id, a missing one (MissingKey) and repeated signing params', () => {
    const canned = getSignedUrl({ url: URL_, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour });
    expect(checkSignedUrl(canned, [{ id: 'KOTHER', publicKey }], NOW, IP)).toMatchObject({ ok: false, code: 'AccessDenied' });
    expect(checkSignedUrl(URL_, TRUSTED, NOW, IP)).toMatchObject({ ok: false, code: 'MissingKey' });
    expect(checkSignedUrl(`${canned}&Expires=1`, TRUSTED, NOW, IP)).toMatchObject({ ok: false, message: 'Expires appears twice' });
  });

  it('decodes CloudFront base64 (- _ ~ for + = /)', () => {
    expect(fromCloudFrontBase64('~~8_').equals(Buffer.from('//8=', 'base64'))).toBe(true);
    expect(fromCloudFrontBase64(toCloudFrontBase64(Buffer.from([251, 255, 191]))).equals(Buffer.from([251, 255, 191]))).toBe(true);
  });
});
