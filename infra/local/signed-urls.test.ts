import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { CloudFrontResultResponse } from 'aws-lambda';
import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUrl } from '../../core/signing/index.ts';
import { rawRequest } from '../../test/support/cross-site.ts';
import { EDGE_ONLY, startTestStack, type RunningStack } from '../../test/support/local-stack.ts';
import { createLocalCloudFront, type EdgeResponse } from './cloudfront.ts';
import type { CloudFrontFunction } from './cloudfront-function-runtime.ts';
import { generateLocalSigningKeys, generateRsaKeyPair, localSigningKey, type LocalSigningKeys } from './dev-keys.ts';
import { seedSignedTenants } from './seed.ts';
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

  it('binds a URL to the host it was signed for: signed for other-host.example (or another port or scheme), refused at img.example.com', () => {
    const path = '/keyed/cat.jpg?w=640';
    const signedFor = (origin: string, custom: boolean) =>
      getSignedUrl({ url: `${origin}${path}`, keyPairId: KEY_ID, privateKey, dateLessThan: inAnHour, ...(custom && { dateGreaterThan: NOW }) });
    /** The same path, query and signing params, requested at `requestedOrigin`. */
    const at = (requestedOrigin: string, signingOrigin: string, custom: boolean) => `${requestedOrigin}${signedFor(signingOrigin, custom).slice(signingOrigin.length)}`;
    for (const custom of [false, true]) {
      expect(checkSignedUrl(at('https://img.example.com', 'https://img.example.com', custom), TRUSTED, NOW, IP), `custom ${custom}`).toEqual({ ok: true });
      for (const other of ['https://other-host.example', 'https://img.example.com:8443', 'http://img.example.com', 'https://img.example.com.other-host.example']) {
        // Canned: the rebuilt policy names the requested URL, which the signature is not for. Custom: the
        // signature is good (the policy travels in the URL) but its Resource names the other URL.
        const refusal = custom ? 'the policy is for another resource' : 'the signature does not match the policy';
        expect(checkSignedUrl(at('https://img.example.com', other, custom), TRUSTED, NOW, IP), `${other} custom ${custom}`).toEqual({ ok: false, code: 'AccessDenied', message: refusal });
      }
    }
  });

  it('matches a custom Resource against the whole URL, scheme and host included, wildcards there too', () => {
    const ok = (resource: string) => checkSignedUrl(withPolicy(statement(until(inAnHour), resource)), TRUSTED, NOW, IP).ok;
    expect(ok('*://img.example.com/keyed/*')).toBe(true);
    expect(ok('http*://img.example.com/keyed/*')).toBe(true);
    expect(ok('https://*.example.com/keyed/*')).toBe(true);
    expect(ok('*/keyed/cat.jpg?w=640')).toBe(true);
    expect(ok('https://other-host.example/keyed/*')).toBe(false);
    expect(ok('http://img.example.com/keyed/*')).toBe(false);
    expect(ok('https://img.example.com:8443/keyed/*')).toBe(false);
    expect(ok('https://*.other-host.example/keyed/*')).toBe(false);
    // A path alone is not the URL: nothing requested matches it.
    expect(ok('/keyed/cat.jpg?w=640')).toBe(false);
  });

  it('refuses a URL without scheme and host, even under a policy without Resource (which any URL matches)', () => {
    const anyUrl = withPolicy(statement(until(inAnHour)));
    expect(checkSignedUrl(anyUrl, TRUSTED, NOW, IP)).toEqual({ ok: true });
    for (const hostless of [anyUrl.replace('https://img.example.com', 'https://'), anyUrl.replace('https://img.example.com', '')]) {
      expect(checkSignedUrl(hostless, TRUSTED, NOW, IP), hostless.slice(0, 30)).toEqual({ ok: false, code: 'AccessDenied', message: 'the request names no scheme and host' });
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

/** A viewer function that keeps the request, and an origin that answers 200: only the signed-URL check can refuse. */
const passThrough: CloudFrontFunction = { handler: async (event) => event.request };
const served: CloudFrontResultResponse = { status: '200', headers: { 'cache-control': [{ key: 'Cache-Control', value: 'no-store' }] }, body: 'served' };

describe('the local CloudFront: what URL a signature is checked against (the Host the front door received)', () => {
  const PORT = 8080;
  const PATH = '/keyed/cat.jpg?w=640';
  const distribution = () =>
    createLocalCloudFront({
      viewer: passThrough,
      originRequest: async () => served,
      fetchFromOrigin: () => Promise.reject(new Error('the origin-request function answers every request')),
      variantsBucketDomain: 'variants.s3.us-east-1.amazonaws.com',
      cacheMaxBytes: 1_000_000,
      keyGroups: new Map([['keyed', TRUSTED]]),
    });
  /** Signed for `origin` (the real clock: the check uses it), sent to the local CloudFront with Host `host`. */
  function request(origin: string, host: string, custom = false, tamper = false): Promise<EdgeResponse> {
    const signed = getSignedUrl({ url: `${origin}${PATH}`, keyPairId: KEY_ID, privateKey, dateLessThan: new Date(Date.now() + 3_600_000), ...(custom && { dateGreaterThan: new Date(Date.now() - 60_000) }) });
    const url = signed.slice(origin.length);
    return distribution().handle({ method: 'GET', url: tamper ? url.replace(/Signature=[^&]{4}/, 'Signature=AAAA') : url, headers: { host }, ip: IP });
  }

  it.each([
    ['127.0.0.1', `127.0.0.1:${PORT}`],
    ['localhost', `localhost:${PORT}`],
  ])('serves a URL signed for http://%s:PORT at that Host, and refuses one signed for any other, with the bad-signature 403', async (_name, host) => {
    const badSignature = await request(`http://${host}`, host, false, true);
    expect(badSignature.status).toBe(403);
    expect(badSignature.headers).toMatchObject({ 'content-type': 'text/xml', 'x-cache': 'Error from cloudfront' });
    expect(badSignature.body.toString()).toBe('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>');

    const elsewhere = [
      'https://other-host.example',
      // The deployment's domain: locally the viewer asked for 127.0.0.1 or localhost, not for it.
      'https://img.example.com',
      `https://${host}`,
      `http://${host.startsWith('localhost') ? '127.0.0.1' : 'localhost'}:${PORT}`,
      `http://${host.replace(`:${PORT}`, `:${PORT + 1}`)}`,
    ];
    for (const custom of [false, true]) {
      const good = await request(`http://${host}`, host, custom);
      expect(good.status, `custom ${custom}`).toBe(200);
      expect(good.body.toString()).toBe('served');
      for (const origin of elsewhere) {
        const refused = await request(origin, host, custom);
        expect({ status: refused.status, type: refused.headers['content-type'], body: refused.body.toString() }, `${origin} custom ${custom}`).toEqual({
          status: 403,
          type: 'text/xml',
          body: badSignature.body.toString(),
        });
      }
    }
  });

  it('takes a Host that is not host[:port] for no host: a path in it cannot widen a wildcard Resource', async () => {
    const policy = JSON.stringify({ Statement: [{ Resource: `http://127.0.0.1:${PORT}/keyed/private/*`, Condition: { DateLessThan: { 'AWS:EpochTime': Math.floor(Date.now() / 1000) + 3600 } } }] });
    const signed = new URL(getSignedUrl({ url: `http://127.0.0.1:${PORT}/keyed/private/cat.jpg`, keyPairId: KEY_ID, privateKey, policy }));
    const ask = (host: string, path: string) => distribution().handle({ method: 'GET', url: `${path}${signed.search}`, headers: { host }, ip: IP });
    expect((await ask(`127.0.0.1:${PORT}`, '/keyed/private/cat.jpg')).status).toBe(200);
    expect((await ask(`127.0.0.1:${PORT}/keyed/private`, '/keyed/other/secret.jpg')).status).toBe(403);
  });
});

describe('signed for the host it is requested at, over the front door (server.ts → local CloudFront)', () => {
  let running: RunningStack;
  let keys: LocalSigningKeys;
  let sample: string;

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    keys = generateLocalSigningKeys();
    sample = (await seedSignedTenants(running.stack, keys)).keyGroup;
  });
  afterAll(() => running.stop());

  const port = () => new URL(running.url).port;
  /** Signed by core/signing's signUrl (what npm run sign, npm run imgedge -- sign and the printed samples use) for `origin`. */
  const signedFor = (origin: string, policy: 'canned' | 'custom') => {
    const key = localSigningKey(keys, keys.keyGroup.tenant)!;
    return signUrl({ url: `${origin}/${sample}?w=256`, tenant: keys.keyGroup.tenant, ttlSeconds: 300, key: key.mode === 'key-group' ? { ...key, policy } : key });
  };
  const send = (signed: string, origin: string, host: string) => rawRequest(running.url, signed.slice(origin.length), { headers: { host } });

  it('serves a URL signed (canned or custom) for 127.0.0.1:PORT or localhost:PORT at that Host, and refuses it at the other and when signed for other-host.example', async () => {
    const numeric = `127.0.0.1:${port()}`;
    const named = `localhost:${port()}`;
    expect(`http://${numeric}`).toBe(running.url);
    const denied = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>';
    for (const policy of ['canned', 'custom'] as const) {
      for (const host of [numeric, named]) expect((await send(signedFor(`http://${host}`, policy), `http://${host}`, host)).status, `${policy} ${host}`).toBe(200);
      for (const [origin, host] of [
        [`http://${named}`, numeric],
        [`http://${numeric}`, named],
        ['https://other-host.example', numeric],
        [`https://${numeric}`, numeric],
      ] as const) {
        const refused = await send(signedFor(origin, policy), origin, host);
        expect({ status: refused.status, body: refused.body }, `${policy}: signed for ${origin}, requested at ${host}`).toEqual({ status: 403, body: denied });
      }
    }
  });
});
