/**
 * Signed URLs, bound to the tenant: every way a signature can be wrong is
 * refused with 403, valid ones are served, and no signature param reaches the
 * cache key. Requests go through the local CloudFront (signed-urls.ts: the
 * behavior's trusted key groups, real RSA) and the BUILT viewer function in
 * its sandbox (HMAC tokens and the Key-Pair-Id → tenant binding). The origin
 * behind them only echoes the cache key it was asked for: what is under test
 * ends before the origin.
 */
import { createHmac } from 'node:crypto';
import type { CloudFrontResultResponse } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, SIGNATURE_LENGTH, signingSecretKey, tenantConfigKey } from '../../core/index.ts';
import { generateHmacSecret, MAX_SIGNED_URL_TTL_SECONDS, type SigningKey, signUrl } from '../../core/signing/index.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { loadViewerFunction } from '../../infra/local/cloudfront-function-runtime.ts';
import { generateRsaKeyPair } from '../../infra/local/dev-keys.ts';
import { createLocalCloudFront, type EdgeResponse, type LocalCloudFront } from '../../infra/local/cloudfront.ts';
import type { TrustedPublicKey } from '../../infra/local/signed-urls.ts';
import { freshnessEntries, signingStoreEntries } from '../viewer/fixture-store.ts';

const HOST = 'img.example.com';
const CLIENT_IP = '198.51.100.7';

const SECRETS = { k1: generateHmacSecret(), k2: generateHmacSecret(), o1: generateHmacSecret() };
const KEYED = { id: 'KKEYEDSECURITY1', ...generateRsaKeyPair() };
const RIVAL = { id: 'KRIVALSECURITY1', ...generateRsaKeyPair() };

const HMAC_K1: SigningKey = { mode: 'hmac', kid: 'k1', secret: SECRETS.k1 };
const HMAC_K2: SigningKey = { mode: 'hmac', kid: 'k2', secret: SECRETS.k2 };
const HMAC_O1: SigningKey = { mode: 'hmac', kid: 'o1', secret: SECRETS.o1 };
const CANNED: SigningKey = { mode: 'key-group', keyPairId: KEYED.id, privateKey: KEYED.privateKey };
const CUSTOM: SigningKey = { ...CANNED, policy: 'custom' };
const RIVAL_KEY: SigningKey = { mode: 'key-group', keyPairId: RIVAL.id, privateKey: RIVAL.privateKey };

let kvs: Map<string, string>;
let keyGroups: Map<string, readonly TrustedPublicKey[]>;
let cloudfront: LocalCloudFront;
/** The viewer function's clock (ms); the local CloudFront's signed-URL check uses the real one. */
let nowMs: number;
let originRequests: string[];

beforeAll(async () => {
  await buildViewerFunction();
});

beforeEach(async () => {
  nowMs = Date.now();
  originRequests = [];
  kvs = new Map([[tenantConfigKey('demo'), '{}'], ...signingStoreEntries(SECRETS, { keyed: KEYED.id, rival: RIVAL.id }), ...freshnessEntries()]);
  keyGroups = new Map([
    ['keyed', [{ id: KEYED.id, publicKey: KEYED.publicKey }]],
    ['rival', [{ id: RIVAL.id, publicKey: RIVAL.publicKey }]],
  ]);
  cloudfront = createLocalCloudFront({
    viewer: await loadViewerFunction({ kvs, now: () => nowMs }),
    originRequest: async (event) => {
      const request = event.Records[0]!.cf.request;
      const key = `${request.uri}?${request.querystring}`;
      originRequests.push(key);
      const response: CloudFrontResultResponse = {
        status: '200',
        headers: { 'cache-control': [{ key: 'Cache-Control', value: 'max-age=3600' }] },
        body: key,
      };
      return response;
    },
    fetchFromOrigin: () => Promise.reject(new Error('the echo origin answers every request itself')),
    variantsBucketDomain: 'variants.s3.us-east-1.amazonaws.com',
    cacheMaxBytes: 1024 * 1024,
    keyGroups,
    viewerProtocol: 'https',
  });
});

function get(url: string, ip = CLIENT_IP): Promise<EdgeResponse> {
  const parsed = new URL(url);
  return cloudfront.handle({ method: 'GET', url: `${parsed.pathname}${parsed.search}`, headers: { host: parsed.host }, ip });
}

function sign(path: string, key: SigningKey, options: { ttl?: number; now?: number; tenant?: string } = {}): string {
  const url = `https://${HOST}${path}`;
  return signUrl({ url, tenant: options.tenant ?? path.split('/')[1]!, ttlSeconds: options.ttl ?? 3600, key, now: new Date(options.now ?? nowMs) });
}

/** The signed URL with one query param's value changed (or removed, for undefined). */
function withParam(url: string, name: string, value: string | undefined): string {
  const parsed = new URL(url);
  const pairs = parsed.search
    .slice(1)
    .split('&')
    .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] as const);
  const changed = pairs.flatMap(([n, v]) => (n !== name ? [`${n}=${v}`] : value === undefined ? [] : [`${n}=${value}`]));
  return `${parsed.origin}${parsed.pathname}?${changed.join('&')}`;
}

const param = (url: string, name: string): string => new URL(url).searchParams.get(name) ?? '';

async function expectRefused(url: string, body?: string | RegExp, ip?: string): Promise<EdgeResponse> {
  const response = await get(url, ip);
  expect(response.status, `${url} → ${response.body.toString()}`).toBe(403);
  if (body !== undefined) expect(response.body.toString()).toMatch(body);
  expect(originRequests).toEqual([]);
  return response;
}

async function expectServed(url: string, cacheKey: string, ip?: string): Promise<EdgeResponse> {
  const response = await get(url, ip);
  expect(response.status, `${url} → ${response.body.toString()}`).toBe(200);
  expect(response.body.toString()).toBe(cacheKey);
  return response;
}

const PATH = '/signed/photos/cat.jpg?w=640&fmt=webp';
const PATH_KEY = '/signed/photos/cat.jpg?fmt=webp&q=75&w=640';
const KEYED_PATH = '/keyed/photos/cat.jpg?w=640&fmt=webp';
const KEYED_KEY = '/keyed/photos/cat.jpg?fmt=webp&q=75&w=640';

describe('hmac tokens (checked by the viewer function)', () => {
  it('serves a valid token as the canonical variant, kid/exp/sig gone', async () => {
    await expectServed(sign(PATH, HMAC_K1), PATH_KEY);
  });

  describe('forged', () => {
    it.each([0, 1, 21, SIGNATURE_LENGTH - 1])('refuses a sig with character %i changed', async (at) => {
      const url = sign(PATH, HMAC_K1);
      const sig = param(url, 'sig');
      const forged = sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1);
      await expectRefused(withParam(url, 'sig', forged), 'signature invalid');
    });

    it('refuses a sig made with another secret under a valid kid', async () => {
      const url = sign(PATH, { mode: 'hmac', kid: 'k1', secret: generateHmacSecret() });
      await expectRefused(url, 'signature invalid');
    });

    it('refuses a token whose exp was moved (the sig covers it)', async () => {
      const url = sign(PATH, HMAC_K1);
      await expectRefused(withParam(url, 'exp', String(Number(param(url, 'exp')) + 60)), 'signature invalid');
    });

    it('refuses a token whose kid was swapped for the other valid kid', async () => {
      await expectRefused(withParam(sign(PATH, HMAC_K1), 'kid', 'k2'), 'signature invalid');
    });

    it("refuses another image's token on this path", async () => {
      const other = sign('/signed/photos/dog.jpg?w=640&fmt=webp', HMAC_K1);
      await expectRefused(`https://${HOST}/signed/photos/cat.jpg${new URL(other).search}`, 'signature invalid');
    });
  });

  describe('truncated or padded', () => {
    it.each([1, 2, SIGNATURE_LENGTH - 1])('refuses a sig cut by %i characters', async (cut) => {
      const url = sign(PATH, HMAC_K1);
      await expectRefused(withParam(url, 'sig', param(url, 'sig').slice(0, -cut)), 'signature invalid');
    });

    it('refuses a sig one character longer, or with base64 padding', async () => {
      const url = sign(PATH, HMAC_K1);
      await expectRefused(withParam(url, 'sig', `${param(url, 'sig')}A`), 'signature invalid');
      await expectRefused(withParam(url, 'sig', `${param(url, 'sig')}=`), 'signature invalid');
    });
  });

  describe(`expiry, with CLOCK_SKEW_SECONDS (${CLOCK_SKEW_SECONDS}) and MAX_SIGNED_URL_TTL_SECONDS (${MAX_SIGNED_URL_TTL_SECONDS})`, () => {
    const at = (seconds: number) => seconds * 1000;
    const signedAt = 2_000_000_000;

    it('serves a token up to CLOCK_SKEW_SECONDS after exp and refuses it one second later', async () => {
      const url = sign(PATH, HMAC_K1, { ttl: 60, now: at(signedAt) });
      nowMs = at(signedAt + 60 + CLOCK_SKEW_SECONDS);
      await expectServed(url, PATH_KEY);
      nowMs = at(signedAt + 60 + CLOCK_SKEW_SECONDS + 1);
      originRequests = [];
      await expectRefused(url, 'signature expired');
    });

    it('refuses an exp long past', async () => {
      const url = sign(PATH, HMAC_K1, { ttl: 60, now: at(signedAt - 86_400) });
      nowMs = at(signedAt);
      await expectRefused(url, 'signature expired');
    });

    it('serves an exp MAX_SIGNED_URL_TTL_SECONDS + CLOCK_SKEW_SECONDS ahead and refuses one second further (future-dated beyond skew)', async () => {
      nowMs = at(signedAt);
      // A signer whose clock runs CLOCK_SKEW_SECONDS ahead, signing for the longest ttl.
      await expectServed(sign(PATH, HMAC_K1, { ttl: MAX_SIGNED_URL_TTL_SECONDS, now: at(signedAt + CLOCK_SKEW_SECONDS) }), PATH_KEY);
      originRequests = [];
      await expectRefused(sign(PATH, HMAC_K1, { ttl: MAX_SIGNED_URL_TTL_SECONDS, now: at(signedAt + CLOCK_SKEW_SECONDS + 1) }), 'signature invalid');
    });

    it('refuses an exp far in the future with a valid sig (a signer ignoring the ttl limit)', async () => {
      nowMs = at(signedAt);
      const url = sign(PATH, HMAC_K1, { ttl: 3600, now: at(signedAt + 365 * 86_400) });
      await expectRefused(url, 'signature invalid');
    });
  });

  describe('key ids bound to the tenant', () => {
    it("refuses another tenant's valid token replayed on this tenant's path", async () => {
      const theirs = sign('/other/photos/cat.jpg?w=640&fmt=webp', HMAC_O1);
      await expectServed(theirs, '/other/photos/cat.jpg?fmt=webp&q=75&w=640');
      originRequests = [];
      await expectRefused(`https://${HOST}/signed/photos/cat.jpg${new URL(theirs).search}`, 'signature invalid');
    });

    it("refuses a token signed over this tenant's path with another tenant's kid and secret", async () => {
      await expectRefused(sign(PATH, HMAC_O1), 'signature invalid');
    });

    it('refuses an unknown kid', async () => {
      await expectRefused(sign(PATH, { mode: 'hmac', kid: 'k9', secret: SECRETS.k1 }), 'signature invalid');
    });
  });

  describe('rotation and revocation', () => {
    it('serves tokens of two kids at once (rotation)', async () => {
      await expectServed(sign(PATH, HMAC_K1), PATH_KEY);
      await expectServed(sign(PATH, HMAC_K2), PATH_KEY);
    });

    it('refuses a revoked kid (its secret deleted from the KeyValueStore) while the other kid still works', async () => {
      const oldToken = sign(PATH, HMAC_K1);
      await expectServed(oldToken, PATH_KEY);
      kvs.delete(signingSecretKey('signed', 'k1'));
      originRequests = [];
      await expectRefused(oldToken, 'signature invalid');
      await expectRefused(sign(PATH, HMAC_K1), 'signature invalid');
      expect((await get(sign(PATH, HMAC_K2))).status).toBe(200);
    });
  });

  describe('replay with extra params', () => {
    it('serves junk params (utm, session, a second sig-like name) only as the signed variant: the same cache entry', async () => {
      const url = sign(PATH, HMAC_K1);
      await expectServed(url, PATH_KEY);
      const replay = await expectServed(`${url}&utm_source=x&session=abc&Sig=zzz&kidx=1`, PATH_KEY);
      expect(replay.headers['x-cache']).toBe('Hit from cloudfront');
      expect(originRequests).toEqual([PATH_KEY]);
    });

    it.each([
      ['h=100', 'a new dimension'],
      ['q=40', 'another quality'],
      ['fmt=png', 'another format'],
    ])('refuses %s added (%s) or changed', async (extra) => {
      const url = sign(PATH, HMAC_K1);
      const name = extra.split('=')[0]!;
      await expectRefused(new URL(url).searchParams.has(name) ? withParam(url, name, extra.split('=')[1]) : `${url}&${extra}`, 'signature invalid');
    });

    it('refuses w changed to another rung; a repeated w is refused as malformed', async () => {
      const url = sign(PATH, HMAC_K1);
      await expectRefused(withParam(url, 'w', '1080'), 'signature invalid');
      expect((await get(`${url}&w=1080`)).status).toBe(400);
    });

    it('refuses a second token appended (a param repeated is not a token)', async () => {
      const url = sign(PATH, HMAC_K1);
      const second = new URL(sign(PATH, HMAC_K2)).search.slice(1).split('&').filter((p) => /^(kid|exp|sig)=/.test(p)).join('&');
      await expectRefused(`${url}&${second}`, 'signature required');
    });
  });

  describe('param order and spelling do not matter', () => {
    it('serves the token with the params in any order, sig first', async () => {
      const url = new URL(sign(PATH, HMAC_K1));
      const pairs = url.search.slice(1).split('&');
      await expectServed(`${url.origin}${url.pathname}?${[...pairs].reverse().join('&')}`, PATH_KEY);
      await expectServed(`${url.origin}${url.pathname}?${[pairs[4], pairs[0], pairs[3], pairs[1], pairs[2]].join('&')}`, PATH_KEY);
    });

    it('refuses a sig computed over the params in another order than the canonical one (a signer hashing the raw query)', async () => {
      const exp = Math.floor(nowMs / 1000) + 3600;
      for (const query of ['w=640&fmt=webp&q=75', 'w=640&fmt=webp']) {
        const sig = createHmac('sha256', SECRETS.k1).update(`k1\n${exp}\n/signed/photos/cat.jpg?${query}`).digest('base64url');
        await expectRefused(`https://${HOST}${PATH}&kid=k1&exp=${exp}&sig=${sig}`, 'signature invalid');
      }
      // The same message in canonical order is the valid sig: the refusal above is the order alone.
      const canonical = createHmac('sha256', SECRETS.k1).update(`k1\n${exp}\n${PATH_KEY}`).digest('base64url');
      await expectServed(`https://${HOST}${PATH}&kid=k1&exp=${exp}&sig=${canonical}`, PATH_KEY);
    });

    it('serves a differently percent-encoded spelling of the signed path, and fmt=jpg for jpeg', async () => {
      const url = sign('/signed/photos/caf%C3%A9.jpg?fmt=jpeg', HMAC_K1);
      await expectServed(url.replace('caf%C3%A9', 'caf%c3%a9').replace('fmt=jpeg', 'fmt=jpg'), '/signed/photos/caf%C3%A9.jpg?fmt=jpeg&q=75');
    });
  });

  describe('missing or malformed parts', () => {
    it.each(['kid', 'exp', 'sig'])('refuses a token without %s', async (name) => {
      await expectRefused(withParam(sign(PATH, HMAC_K1), name, undefined), 'signature required');
    });

    it('refuses an unsigned request for a signed tenant', async () => {
      await expectRefused(`https://${HOST}${PATH}`, 'signature required');
    });

    it.each([
      ['kid', ''],
      ['kid', 'k1%00'],
      ['kid', 'a'.repeat(33)],
      ['exp', ''],
      ['exp', '-1'],
      ['exp', '1e10'],
      ['exp', '17000000000'],
      ['sig', ''],
      ['sig', '%41'.repeat(SIGNATURE_LENGTH)],
    ])('refuses %s=%j', async (name, value) => {
      await expectRefused(withParam(sign(PATH, HMAC_K1), name, value), 'signature invalid');
    });
  });
});

describe('CloudFront signed URLs (key groups checked by CloudFront, Key-Pair-Id bound to the tenant by the viewer function)', () => {
  it('serves a canned-policy URL as the canonical variant, Expires/Signature/Key-Pair-Id gone', async () => {
    await expectServed(sign(KEYED_PATH, CANNED), KEYED_KEY);
  });

  it('serves a custom-policy URL, and one bound to the client IP only from that IP', async () => {
    await expectServed(sign(KEYED_PATH, CUSTOM), KEYED_KEY);
    const bound = sign(KEYED_PATH, { ...CUSTOM, ipAddress: '198.51.100.0/24' });
    await expectServed(bound, KEYED_KEY);
    originRequests = [];
    await expectRefused(bound, /AccessDenied/, '203.0.113.9');
  });

  it('refuses a forged signature (one byte changed) and a policy edited after signing', async () => {
    const url = sign(KEYED_PATH, CANNED);
    const sig = param(url, 'Signature');
    await expectRefused(withParam(url, 'Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)), /AccessDenied/);
    const custom = sign(KEYED_PATH, CUSTOM);
    const policy = Buffer.from(param(custom, 'Policy').replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString();
    const widened = Buffer.from(policy.replace(/"AWS:EpochTime":(\d+)\}\}/, '"AWS:EpochTime":4102444800}}')).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
    await expectRefused(withParam(custom, 'Policy', widened), /AccessDenied/);
  });

  it('refuses a truncated signature', async () => {
    const url = sign(KEYED_PATH, CANNED);
    await expectRefused(withParam(url, 'Signature', param(url, 'Signature').slice(0, -4)), /AccessDenied/);
  });

  it('refuses an expired URL, canned and custom', async () => {
    await expectRefused(sign(KEYED_PATH, CANNED, { ttl: 60, now: Date.now() - 120_000 }), /AccessDenied/);
    await expectRefused(sign(KEYED_PATH, CUSTOM, { ttl: 60, now: Date.now() - 120_000 }), /AccessDenied/);
  });

  it('refuses a custom policy that starts in the future (future-dated)', async () => {
    await expectRefused(sign(KEYED_PATH, CUSTOM, { now: Date.now() + 3_600_000 }), /AccessDenied/);
  });

  it("refuses another tenant's Key-Pair-Id: CloudFront, since this tenant's behavior does not trust it", async () => {
    const theirs = sign('/rival/photos/cat.jpg?w=640&fmt=webp', RIVAL_KEY);
    await expectServed(theirs, '/rival/photos/cat.jpg?fmt=webp&q=75&w=640');
    originRequests = [];
    await expectRefused(sign(KEYED_PATH, RIVAL_KEY), /AccessDenied/);
  });

  it("refuses another tenant's Key-Pair-Id: the viewer function, where one behavior trusts both key groups", async () => {
    keyGroups.set('keyed', [...keyGroups.get('keyed')!, ...keyGroups.get('rival')!]);
    await expectRefused(sign(KEYED_PATH, RIVAL_KEY), 'signature invalid');
    await expectServed(sign(KEYED_PATH, CANNED), KEYED_KEY);
  });

  it('refuses a replay with extra params under a canned policy (its Resource is the exact URL)', async () => {
    await expectRefused(`${sign(KEYED_PATH, CANNED)}&utm_source=x`, /AccessDenied/);
    await expectRefused(`${sign(KEYED_PATH, CANNED)}&h=100`, /AccessDenied/);
  });

  it('serves the signing params in any position: CloudFront drops them from the Resource wherever they are', async () => {
    const url = new URL(sign(KEYED_PATH, CANNED));
    const pairs = url.search.slice(1).split('&');
    await expectServed(`${url.origin}${url.pathname}?${[...pairs.slice(2), ...pairs.slice(0, 2)].join('&')}`, KEYED_KEY);
  });

  it.each([
    ['Key-Pair-Id', /MissingKey/],
    ['Signature', /AccessDenied/],
    ['Expires', /AccessDenied/],
  ])('refuses a URL without %s', async (name, body) => {
    await expectRefused(withParam(sign(KEYED_PATH, CANNED), name, undefined), body);
  });

  it('refuses an unsigned request, and one with both Expires and Policy', async () => {
    await expectRefused(`https://${HOST}${KEYED_PATH}`, /MissingKey/);
    const custom = sign(KEYED_PATH, CUSTOM);
    await expectRefused(`${custom}&Expires=${param(sign(KEYED_PATH, CANNED), 'Expires')}`, /AccessDenied/);
  });
});

describe('the cache key never holds a signature param', () => {
  it('puts every valid token of one variant, and every signed URL of one key-group variant, in one cache entry', async () => {
    const first = await get(sign(PATH, HMAC_K1));
    const second = await get(sign(PATH, HMAC_K2, { ttl: 120 }));
    expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['Miss from cloudfront', 'Hit from cloudfront']);
    const canned = await get(sign(KEYED_PATH, CANNED));
    const custom = await get(sign(KEYED_PATH, CUSTOM));
    expect([canned.headers['x-cache'], custom.headers['x-cache']]).toEqual(['Miss from cloudfront', 'Hit from cloudfront']);
    expect(originRequests).toEqual([PATH_KEY, KEYED_KEY]);
    for (const key of originRequests) expect(key).not.toMatch(/[?&](kid|exp|sig|Expires|Policy|Signature|Key-Pair-Id|Hash-Algorithm)=/);
  });

  it('leaves unsigned tenants as they were: signature-looking params are junk there', async () => {
    await expectServed(`https://${HOST}/demo/photos/cat.jpg?w=640&kid=x&exp=1&sig=y&Signature=z&Key-Pair-Id=K`, '/demo/photos/cat.jpg?fmt=jpeg&q=75&w=640');
  });
});
