/**
 * The viewer-request CloudFront Function as CloudFront runs it: the BUILT file
 * (dist/edge/viewer-request.js, rebuilt here first) in the local CloudFront
 * Functions sandbox, fed events in CloudFront's own shape from events/*.json,
 * each named by its outcome.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DENIED, freshnessAddressOf, MIN_SECRET_LENGTH, parseImageRequest, requestedParams, type RequestedParams, signingSecretKey, signingString } from '../../core/index.ts';
import { signUrl } from '../../core/signing/index.ts';
import { MAX_FUNCTION_BYTES } from '../../edge/viewer/artifact.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import {
  loadCloudFrontFunction,
  loadViewerFunction,
  type CloudFrontFunction,
  type CloudFrontFunctionEvent,
  type CloudFrontFunctionResult,
  type KeyValueStoreData,
} from '../../infra/local/cloudfront-function-runtime.ts';
import { FIXTURE_NOW_MS, FIXTURE_STORE_ENTRIES as STORE_ENTRIES, freshnessEntries, REPLACED_TOKEN, SIGNING_STORE_ENTRIES, TEST_SECRETS } from './fixture-store.ts';

type Request = AWSCloudFrontFunction.Request;
type Response = AWSCloudFrontFunction.Response;

/** A store that records every key read, so tests can prove what was (not) looked up. */
function recordingStore(entries: ReadonlyArray<readonly [string, string]>): KeyValueStoreData & { reads: string[] } {
  const map = new Map(entries);
  const reads: string[] = [];
  return {
    reads,
    size: map.size,
    get(key: string) {
      reads.push(key);
      return map.get(key);
    },
  };
}

function fixture(name: string): CloudFrontFunctionEvent {
  return JSON.parse(readFileSync(new URL(`./events/${name}.json`, import.meta.url), 'utf8')) as CloudFrontFunctionEvent;
}

/** A fixture with another URI and/or query, for cases too long or too many to keep as files. */
function variant(name: string, change: { uri?: string; querystring?: AWSCloudFrontFunction.ValueObject }): CloudFrontFunctionEvent {
  const event = fixture(name);
  if (change.uri !== undefined) event.request.uri = change.uri;
  if (change.querystring !== undefined) event.request.querystring = change.querystring;
  return event;
}

function isResponse(result: CloudFrontFunctionResult): result is Response {
  return 'statusCode' in result;
}

function asRequest(result: CloudFrontFunctionResult): Request {
  if (isResponse(result)) throw new Error(`expected the request to go on, got ${result.statusCode} ${String(result.body)}`);
  return result;
}

function asResponse(result: CloudFrontFunctionResult): Response {
  if (!isResponse(result)) throw new Error(`expected a generated response, got the request for ${result.uri}`);
  return result;
}

/** The querystring as CloudFront will forward it: name → value, in order. */
function query(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of Object.entries(request.querystring)) out[name] = field.value;
  return out;
}

let code: string;
let store: ReturnType<typeof recordingStore>;
let viewer: CloudFrontFunction;
const logs: string[] = [];

beforeAll(async () => {
  await buildViewerFunction();
  code = readFileSync(new URL('../../dist/edge/viewer-request.js', import.meta.url), 'utf8');
  store = recordingStore(STORE_ENTRIES);
  viewer = await loadViewerFunction({ kvs: store, log: (line) => logs.push(line), now: () => FIXTURE_NOW_MS });
});

beforeEach(() => {
  store.reads.length = 0;
  logs.length = 0;
});

async function run(event: CloudFrontFunctionEvent): Promise<CloudFrontFunctionResult> {
  return viewer.handler(event);
}

describe('the built file', () => {
  it('fits the 10 KB CloudFront Functions limit with room to spare', () => {
    const bytes = Buffer.byteLength(code, 'utf8');
    expect(bytes).toBeLessThan(MAX_FUNCTION_BYTES);
    // 5.3 KB before signing; the signature checks (hmac and key-group) added 1.4 KB, the freshness slot 0.4 KB,
    // the tenants' quality steps and aspect ratios 1.0 KB, dpr 0.5 KB, fit and the tenants' fits and background 0.8 KB.
    expect(bytes).toBeLessThan(9.9 * 1024);
  });

  it('is one file in the 2.0 dialect: the runtime modules imported first, a plain top-level async handler, no export', () => {
    expect(code).toMatch(/^import [\w$]+ from\s*"cloudfront";import [\w$]+ from\s*"crypto";/);
    expect(code.match(/\bimport\b/g)).toHaveLength(2);
    expect(code).toContain('async function handler(');
    expect(code).not.toMatch(/\bexport\b/);
    expect(code).not.toMatch(/sourceMappingURL/);
  });
});

describe('rewrite: the cache key is the canonical path and exactly fmt, h, q, w', () => {
  it('picks avif for a Chrome Accept header, snaps w to the ladder, and leaves headers and cookies alone', async () => {
    const event = fixture('avif-for-chrome-accept');
    const request = asRequest(await run(event));
    expect(request.uri).toBe('/demo/photos/cat.jpg');
    expect(query(request)).toEqual({ fmt: 'avif', q: '75', w: '828' });
    expect(request.headers).toEqual(event.request.headers);
    expect(request.cookies).toEqual(event.request.cookies);
  });

  it.each([
    ['webp-when-avif-not-accepted', { fmt: 'webp', q: '75', w: '828' }],
    ['webp-when-avif-refused-with-q0', { fmt: 'webp', q: '75' }],
    ['jpeg-without-accept', { fmt: 'jpeg', q: '75' }],
    ['png-source-stays-png', { fmt: 'png', q: '75' }],
  ])('negotiates fmt=auto from Accept: %s', async (name, expected) => {
    expect(query(asRequest(await run(fixture(name))))).toEqual(expected);
  });

  it('never lets Accept (or any header) into the query string', async () => {
    for (const name of ['avif-for-chrome-accept', 'webp-when-avif-not-accepted', 'png-source-stays-png']) {
      const request = asRequest(await run(fixture(name)));
      for (const param of Object.keys(request.querystring)) expect(['fmt', 'h', 'q', 'w']).toContain(param);
    }
  });

  it('drops unknown parameters (utm_*, session, sig, a differently cased Fmt) and snaps q and w', async () => {
    const request = asRequest(await run(fixture('junk-params-dropped')));
    expect(query(request)).toEqual({ fmt: 'jpeg', q: '85', w: '384' });
  });

  it('snaps w and h up to the default ladder, in canonical order', async () => {
    const request = asRequest(await run(fixture('ladder-snaps-up')));
    expect(Object.keys(request.querystring)).toEqual(['fmt', 'h', 'q', 'w']);
    expect(query(request)).toEqual({ fmt: 'jpeg', h: '640', q: '75', w: '750' });
  });

  it("snaps to the tenant's own ladder from the KeyValueStore", async () => {
    const request = asRequest(await run(fixture('tenant-ladder-override')));
    expect(request.uri).toBe('/acme/hero.jpg');
    expect(query(request)).toEqual({ fmt: 'jpeg', h: '400', q: '75', w: '200' });
    expect(store.reads).toEqual(['t:acme', freshnessAddressOf('acme/hero.jpg').slotKey]);
  });

  it("holds q to the tenant's quality steps and h to its nearest aspect ratio at the snapped width", async () => {
    // 150×90 (5:3) is nearer 16:9 than 1:1; w snaps to 200, so h = 200 × 9 / 16 = 112.5 → 113. q 70 snaps up to 85.
    expect(query(asRequest(await run(fixture('tenant-ratios-and-qualities'))))).toEqual({ fmt: 'jpeg', h: '113', q: '85', w: '200' });
    const square = asRequest(await run(variant('tenant-ratios-and-qualities', { querystring: { w: { value: '400' }, h: { value: '350' }, q: { value: '99' } } })));
    expect(query(square)).toEqual({ fmt: 'jpeg', h: '400', q: '85', w: '400' });
    // h alone still snaps to the ladder; the canonical query is a fixed point.
    expect(query(asRequest(await run(variant('tenant-ratios-and-qualities', { querystring: { h: { value: '150' } } }))))).toEqual({ fmt: 'jpeg', h: '200', q: '85' });
    const again = asRequest(await run(variant('tenant-ratios-and-qualities', { querystring: { fmt: { value: 'jpeg' }, h: { value: '113' }, q: { value: '85' }, w: { value: '200' } } })));
    expect(query(again)).toEqual({ fmt: 'jpeg', h: '113', q: '85', w: '200' });
  });

  it("keys a fit the tenant allows, with its background on a JPEG contain whatever bg the viewer sent, and refuses one it does not", async () => {
    // The same box as above (w 200, h 113 at 16:9), now padded: the tenant's #1D2330, lowercased; the viewer's bg=000000 ignored.
    expect(query(asRequest(await run(fixture('fit-contain-tenant-background'))))).toEqual({ bg: '1d2330', fit: 'contain', fmt: 'jpeg', h: '113', q: '85', w: '200' });
    const cover = asRequest(await run(variant('tenant-ratios-and-qualities', { querystring: { w: { value: '150' }, h: { value: '90' }, fit: { value: 'cover' } } })));
    expect(query(cover)).toEqual({ fit: 'cover', fmt: 'jpeg', h: '113', q: '85', w: '200' });
    const refused = asResponse(await run(fixture('fit-not-allowed-for-tenant')));
    expect([refused.statusCode, refused.body]).toEqual([400, 'fit=fill is not allowed for this tenant: it allows inside, cover, contain']);
    // The default tenant allows every fit; one side only drops it.
    const demo = asRequest(await run(variant('jpeg-without-accept', { querystring: { w: { value: '600' }, fit: { value: 'fill' } } })));
    expect(query(demo)).toEqual({ fmt: 'jpeg', q: '75', w: '640' });
  });

  it('clamps an absurd width to the top rung', async () => {
    const request = asRequest(await run(variant('jpeg-without-accept', { querystring: { w: { value: '99999999999' } } })));
    expect(query(request)).toEqual({ fmt: 'jpeg', q: '75', w: '3840' });
  });

  it('resolves format aliases and snaps q to the quality steps', async () => {
    expect(query(asRequest(await run(fixture('format-alias-and-quality-step'))))).toEqual({ fmt: 'jpeg', q: '95' });
  });

  it('re-encodes the path one way only, so differently encoded URLs share one cache key', async () => {
    const request = asRequest(await run(fixture('encoded-path-canonicalized')));
    expect(request.uri).toBe('/demo/photos/caf%C3%A9%20Au%20lait.jpg');
    const same = asRequest(await run(variant('encoded-path-canonicalized', { uri: '/demo/photos/caf%c3%a9%20Au%20lait.jpg' })));
    expect(same.uri).toBe(request.uri);
    expect(same.querystring).toEqual(request.querystring);
  });

  it('falls back to the default ladder when a tenant config is unusable', async () => {
    const broken = recordingStore([['t:odd', JSON.stringify({ ladder: [400, 100] })], ...freshnessEntries()]);
    const viewerWithOddTenant = loadCloudFrontFunction(code, { kvs: broken });
    const request = asRequest(await viewerWithOddTenant.handler(variant('ladder-snaps-up', { uri: '/odd/cat.jpg' })));
    expect(query(request)).toEqual({ fmt: 'jpeg', h: '640', q: '75', w: '750' });
  });
});

describe('400: the contract refuses the URL, with its one-line reason', () => {
  it.each([
    ['traversal-dot-dot', 'path segment starts with a dot'],
    ['traversal-encoded-dots', 'path segment starts with a dot'],
    ['traversal-encoded-slash', 'path segment starts with a dot'],
    ['traversal-backslash', 'backslash in path'],
    ['traversal-double-slash', 'empty path segment'],
    ['nul-byte', 'control character in path'],
    ['bad-tenant', 'bad tenant: expected [a-z0-9-]{1,32}'],
    ['unknown-extension', 'unknown extension: expected jpg, jpeg, png, webp, gif, avif, tif or tiff'],
    ['duplicate-width', 'duplicate parameter w'],
    ['malformed-width', 'w must be a positive integer'],
    ['bad-format', 'fmt must be one of auto, avif, webp, jpeg, jpg, png'],
  ])('%s → %s', async (name, reason) => {
    const response = asResponse(await run(fixture(name)));
    expect(response).toEqual({
      statusCode: 400,
      statusDescription: 'Bad Request',
      headers: {
        'content-type': { value: 'text/plain; charset=utf-8' },
        'cache-control': { value: 'public, max-age=3600' },
      },
      body: reason,
    });
  });

  it.each([
    ['an encoded backslash', '/demo/photos%5C..%5Csecret.jpg', 'backslash in path'],
    ['an encoded dot-dot in mixed case', '/demo/photos/%2E%2e/secret.jpg', 'path segment starts with a dot'],
    ['an encoded slash before dot-dot', '/demo/a/%2F../secret.jpg', 'empty path segment'],
    ['a dot file', '/demo/.env.jpg', 'path segment starts with a dot'],
    ['a broken percent-escape', '/demo/cat%E0%A4%A.jpg', 'malformed percent-encoding in path'],
    ['no path below the tenant', '/demo', 'expected /{tenant}/{path}.{ext}'],
    ['a too-long tenant', `/${'a'.repeat(33)}/cat.jpg`, 'bad tenant: expected [a-z0-9-]{1,32}'],
    ['a too-long URI', `/demo/${'a'.repeat(1600)}.jpg`, 'URI too long'],
    ['a too-long original key', `/demo/${'a'.repeat(600)}.jpg`, 'path too long'],
  ])('refuses %s', async (_what, uri, reason) => {
    expect(asResponse(await run(variant('jpeg-without-accept', { uri }))).body).toBe(reason);
  });

  it('refuses a too-long query string', async () => {
    const response = asResponse(await run(variant('jpeg-without-accept', { querystring: { junk: { value: 'x'.repeat(2100) } } })));
    expect(response.body).toBe('query string too long');
  });

  it('refuses too many query parameters, junk included', async () => {
    const querystring: AWSCloudFrontFunction.ValueObject = {};
    for (let i = 0; i < 41; i++) querystring[`p${i}`] = { value: '1' };
    expect(asResponse(await run(variant('jpeg-without-accept', { querystring }))).body).toBe('too many query parameters');
  });

  it('sees a parameter repeated with the same value as a duplicate', async () => {
    const querystring = { q: { value: '75', multiValue: [{ value: '75' }, { value: '75' }] } };
    expect(asResponse(await run(variant('jpeg-without-accept', { querystring }))).body).toBe('duplicate parameter q');
  });

  it('does not read the KeyValueStore for an invalid tenant name', async () => {
    await run(fixture('bad-tenant'));
    expect(store.reads).toEqual([]);
  });
});

describe('404: unknown tenant', () => {
  it('answers 404 when the tenant has no config in the KeyValueStore', async () => {
    expect(asResponse(await run(fixture('unknown-tenant')))).toEqual({
      statusCode: 404,
      statusDescription: 'Not Found',
      headers: {
        'content-type': { value: 'text/plain; charset=utf-8' },
        'cache-control': { value: 'public, max-age=60' },
      },
      body: 'unknown tenant',
    });
    expect(store.reads).toEqual(['t:nobody']);
  });

  it('answers 404 before judging the rest of the URL', async () => {
    const response = asResponse(await run(variant('unknown-tenant', { uri: '/nobody/../x.svg' })));
    expect(response.statusCode).toBe(404);
  });

  it('treats a tenant config that is not JSON as missing', async () => {
    const viewerWithBrokenConfig = loadCloudFrontFunction(code, { kvs: new Map([['t:demo', 'not json']]) });
    expect(asResponse(await viewerWithBrokenConfig.handler(fixture('jpeg-without-accept'))).statusCode).toBe(404);
  });
});

describe('451: taken down', () => {
  it('answers 451 without rewriting or forwarding anything', async () => {
    expect(asResponse(await run(fixture('denied-key')))).toEqual({
      statusCode: 451,
      statusDescription: 'Unavailable For Legal Reasons',
      headers: {
        'content-type': { value: 'text/plain; charset=utf-8' },
        'cache-control': { value: 'no-store' },
      },
      body: 'unavailable for legal reasons',
    });
    expect(store.reads).toEqual(['t:demo', freshnessAddressOf('demo/banned/photo.jpg').slotKey]);
  });

  it.each([
    ['another variant', '/demo/banned/photo.jpg', { w: { value: '64' }, fmt: { value: 'avif' } }],
    ['a percent-encoded spelling of the same key', '/demo/banned/ph%6Fto.jpg', {}],
  ])('denies %s of the same original', async (_what, uri, querystring) => {
    expect(asResponse(await run(variant('denied-key', { uri, querystring }))).statusCode).toBe(451);
  });

  it.each([
    ['cannot be read', () => { throw new Error('KeyValueStore unavailable'); }, /KeyValueStore unavailable/],
    ['is missing (a store that lost its seed)', () => undefined, /viewer-request failed/],
  ])('fails closed (503, nothing served) when the slot %s', async (_what, slot: () => string | undefined, logged: RegExp) => {
    const failing: KeyValueStoreData = {
      get(key: string) {
        if (key.startsWith('s:')) return slot();
        return key === 't:demo' ? '{}' : undefined;
      },
    };
    const lines: string[] = [];
    const viewerWithOutage = loadCloudFrontFunction(code, { kvs: failing, log: (line) => lines.push(line) });
    const response = asResponse(await viewerWithOutage.handler(fixture('jpeg-without-accept')));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['cache-control']?.value).toBe('no-store');
    expect(lines.join('\n')).toMatch(logged);
  });
});

describe('generation: a replaced original has new cache keys', () => {
  it("puts the original's generation token into the cache key, as v, after the canonical params", async () => {
    const base = query(asRequest(await run(fixture('jpeg-without-accept'))));
    const request = asRequest(await run(variant('jpeg-without-accept', { uri: '/demo/replaced/photo.jpg' })));
    expect(query(request)).toEqual({ ...base, v: REPLACED_TOKEN });
    expect(Object.keys(query(request)).at(-1)).toBe('v');
  });

  it('leaves v out for an original that has no entry, and never takes a v from the viewer', async () => {
    const request = asRequest(await run(variant('jpeg-without-accept', { querystring: { w: { value: '640' }, v: { value: 'forged' } } })));
    expect(query(request)).toEqual({ fmt: 'jpeg', q: '75', w: '640' });
    expect(request.uri).toBe('/demo/photos/cat.jpg');
    const replaced = asRequest(await run(variant('jpeg-without-accept', { uri: '/demo/replaced/photo.jpg', querystring: { v: { value: 'forged' } } })));
    expect(query(replaced).v).toBe(REPLACED_TOKEN);
  });

  it('reads the tenant and the slot, two reads, as the deny-list check did before', async () => {
    await run(variant('jpeg-without-accept', { uri: '/demo/replaced/photo.jpg' }));
    expect(store.reads).toEqual(['t:demo', freshnessAddressOf('demo/replaced/photo.jpg').slotKey]);
  });
});

describe('403: signed tenants (events/signed-*)', () => {
  const FORBIDDEN = (body: string): Response => ({
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'no-store' },
    },
    body,
  });

  it.each([
    ['signed-hmac-missing', 'signature required'],
    ['signed-hmac-expired', 'signature expired'],
    ['signed-hmac-forged', 'signature invalid'],
    ['signed-hmac-other-tenants-kid', 'signature invalid'],
    ['signed-key-group-missing-key-pair-id', 'signature required'],
    ['signed-key-group-other-tenants-key-pair', 'signature invalid'],
  ])('%s → %s, never cached by anyone', async (name, body) => {
    expect(asResponse(await run(fixture(name)))).toEqual(FORBIDDEN(body));
  });

  it.each(['signed-hmac-served', 'signed-hmac-second-kid-served', 'signed-hmac-reordered-with-junk-served'])('%s: rewritten to the canonical key, signature params gone', async (name) => {
    const request = asRequest(await run(fixture(name)));
    expect(request.uri).toBe('/signed/photos/cat.jpg');
    expect(query(request)).toEqual({ fmt: 'webp', q: '75', w: '640' });
  });

  it('reads the tenant, the deny-list, then the secret of the kid, in that order', async () => {
    await run(fixture('signed-hmac-served'));
    expect(store.reads).toEqual(['t:signed', freshnessAddressOf('signed/photos/cat.jpg').slotKey, 'k:signed:k1']);
  });

  it('serves a key-group tenant its own Key-Pair-Id, with Expires, Signature and Key-Pair-Id out of the cache key', async () => {
    const request = asRequest(await run(fixture('signed-key-group-served')));
    expect(query(request)).toEqual({ fmt: 'jpeg', q: '75', w: '640' });
    expect(store.reads).toEqual(['t:keyed', freshnessAddressOf('keyed/photos/cat.jpg').slotKey, 'p:KKEYEDTENANT001']);
  });

  it('answers a taken-down image of a signed tenant 451 before looking at the signature', async () => {
    const denied = loadCloudFrontFunction(code, {
      kvs: new Map([...SIGNING_STORE_ENTRIES, ...freshnessEntries({ 'signed/photos/cat.jpg': DENIED })]),
      now: () => FIXTURE_NOW_MS,
    });
    expect(asResponse(await denied.handler(fixture('signed-hmac-missing'))).statusCode).toBe(451);
  });

  it.each([
    ['an unknown mode', JSON.stringify({ signing: 'rsa' })],
    ['an empty mode', JSON.stringify({ signing: '' })],
    ['a null mode', JSON.stringify({ signing: null })],
  ])('fails closed on a tenant config with %s', async (_what, config) => {
    const odd = loadCloudFrontFunction(code, { kvs: new Map([...SIGNING_STORE_ENTRIES, ...freshnessEntries(), ['t:signed', config]]), now: () => FIXTURE_NOW_MS });
    expect(asResponse(await odd.handler(fixture('signed-hmac-served')))).toEqual(FORBIDDEN('signature invalid'));
  });

  it('refuses a secret shorter than MIN_SECRET_LENGTH even when the sig matches it', async () => {
    const weakSecret = 'a'.repeat(MIN_SECRET_LENGTH - 1);
    const event = fixture('signed-hmac-served');
    const query = event.request.querystring;
    const pairs = Object.entries(query).map(([name, field]) => [name, field.value] as const);
    const parsed = parseImageRequest(event.request.uri, pairs);
    if (!parsed.ok) throw new Error(parsed.reason);
    const message = signingString(parsed.request, requestedParams(pairs) as RequestedParams, query.kid!.value, Number(query.exp!.value));
    const store = (secret: string) => new Map([...SIGNING_STORE_ENTRIES, ...freshnessEntries(), [signingSecretKey('signed', 'k1'), secret] as const]);
    // The same request is served under a secret of the minimum length it is signed with…
    const atMinimum = 'a'.repeat(MIN_SECRET_LENGTH);
    query.sig = { value: createHmac('sha256', atMinimum).update(message).digest('base64url') };
    expect(asRequest(await loadCloudFrontFunction(code, { kvs: store(atMinimum), now: () => FIXTURE_NOW_MS }).handler(structuredClone(event))).uri).toBe('/signed/photos/cat.jpg');
    // …and refused under one a character shorter, though its sig matches that secret.
    query.sig = { value: createHmac('sha256', weakSecret).update(message).digest('base64url') };
    expect(asResponse(await loadCloudFrontFunction(code, { kvs: store(weakSecret), now: () => FIXTURE_NOW_MS }).handler(event)).statusCode).toBe(403);
  });

  it('serves an hmac URL signed with a dpr at that dpr, and refuses it with the dpr changed or dropped: the token covers it', async () => {
    const signed = new URL(signUrl({ url: 'https://img.example.com/signed/photos/cat.jpg?w=320&dpr=2', tenant: 'signed', ttlSeconds: 3600, key: { mode: 'hmac', kid: 'k1', secret: TEST_SECRETS.k1 }, now: new Date(FIXTURE_NOW_MS) }));
    const asked = (search: URLSearchParams) => variant('signed-hmac-served', { querystring: Object.fromEntries([...search].map(([name, value]) => [name, { value }])) });
    expect(query(asRequest(await run(asked(signed.searchParams))))).toEqual({ fmt: 'jpeg', q: '75', w: '640' });
    for (const change of [(p: URLSearchParams) => p.set('dpr', '3'), (p: URLSearchParams) => p.delete('dpr')]) {
      const tampered = new URLSearchParams(signed.searchParams);
      change(tampered);
      expect(asResponse(await run(asked(tampered)))).toEqual(FORBIDDEN('signature invalid'));
    }
  });

  it('refuses when the secret cannot be read (KeyValueStore failing): 403, not served', async () => {
    const failing: KeyValueStoreData = {
      get(key: string) {
        if (key.startsWith('k:')) throw new Error('KeyValueStore unavailable');
        return new Map([...SIGNING_STORE_ENTRIES, ...freshnessEntries()]).get(key);
      },
    };
    const viewerWithOutage = loadCloudFrontFunction(code, { kvs: failing, now: () => FIXTURE_NOW_MS });
    expect(asResponse(await viewerWithOutage.handler(fixture('signed-hmac-served'))).statusCode).toBe(403);
  });
});
