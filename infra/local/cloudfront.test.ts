/**
 * The local CloudFront holds an origin-request function's generated response
 * to CloudFront's 1 MB limit (headers and body) and answers 502 over it, as
 * CloudFront does; the real handler's largest inline answer passes it. Every
 * answer it sends carries the response headers policy; what it caches does not.
 */
import type { CloudFrontResultResponse } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RESPONSE_HEADERS } from '../../core/deployment/index.ts';
import type { VariantParams } from '../../core/index.ts';
import { VARIANT_CACHE_CONTROL, type RenderedImage } from '../../core/transform/index.ts';
import { createOriginRequestHandler, MAX_INLINE_BODY_BYTES, type OriginRequestHandler } from '../../edge/origin/origin-request.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import {
  createLocalCloudFront,
  type EdgeResponse,
  type OriginFetch,
  generatedResponseSize,
  LAMBDA_VALIDATION_ERROR_REASON,
  MAX_GENERATED_RESPONSE_BYTES,
  ORIGIN_READ_TIMEOUT_MS,
  ORIGIN_REQUEST_FUNCTION_TIMEOUT_MS,
  withResponseHeadersPolicy,
} from './cloudfront.ts';
import type { CloudFrontFunction } from './cloudfront-function-runtime.ts';

/** A viewer function that keeps the request as it is (the query already canonical). */
const passThrough: CloudFrontFunction = { handler: async (event) => event.request };
const notFound = async (): Promise<EdgeResponse> => ({ status: 404, headers: {}, body: Buffer.alloc(0) });

function distribution(originRequest: OriginRequestHandler, fetchFromOrigin: OriginFetch = notFound) {
  return createLocalCloudFront({ viewer: passThrough, originRequest, fetchFromOrigin, variantsBucketDomain: 'variants.s3.us-east-1.amazonaws.com', cacheMaxBytes: 50_000_000 });
}
const get = (url: string) => ({ method: 'GET', url, headers: {}, ip: '203.0.113.9' });

/** A render branch that answers a 200 whose base64 body makes the whole response exactly `size` bytes as CloudFront counts. */
function generatingExactly(size: number): OriginRequestHandler {
  return async (event) => {
    const role = event.Records[0]?.cf.request.origin?.s3?.customHeaders['x-imgedge-origin']?.[0]?.value;
    if (role !== 'render') return event.Records[0]!.cf.request;
    const response: CloudFrontResultResponse = { status: '200', statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'image/webp' }] }, body: '', bodyEncoding: 'base64' };
    response.body = 'A'.repeat(size - generatedResponseSize(response));
    expect(generatedResponseSize(response)).toBe(size);
    return response;
  };
}

describe('local CloudFront: generated responses from the origin-request function', () => {
  it('serves a generated response of exactly 1,000,000 bytes, headers and body', async () => {
    const cloudfront = distribution(generatingExactly(MAX_GENERATED_RESPONSE_BYTES));
    const res = await cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75'));
    expect(res.status).toBe(200);
    expect(res.headers['x-cache']).toBe('Miss from cloudfront');
  });

  it('answers 502 to a generated response one byte over, without failover and without caching it', async () => {
    const cloudfront = distribution(generatingExactly(MAX_GENERATED_RESPONSE_BYTES + 1));
    const res = await cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75'));
    expect(res.status).toBe(502);
    expect(res.headers['x-cache']).toBe('LambdaValidationError from cloudfront');
    expect(res.body.toString()).toContain(LAMBDA_VALIDATION_ERROR_REASON);
    expect(cloudfront.stats.originRequestInvocations).toBe(2);
    expect((await cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75'))).status).toBe(502);
    expect(cloudfront.stats.originRequestInvocations).toBe(4);
  });

  it('counts the headers too: a body that fits alone is refused once a large header is added', async () => {
    const withHeader: OriginRequestHandler = async (event) => {
      const response = (await generatingExactly(MAX_GENERATED_RESPONSE_BYTES)(event)) as CloudFrontResultResponse;
      if (!('status' in response)) return response;
      return { ...response, headers: { ...response.headers, 'x-extra': [{ key: 'X-Extra', value: 'x' }] } };
    };
    expect((await distribution(withHeader).handle(get('/demo/a.jpg?fmt=webp&q=75'))).status).toBe(502);
  });

  it('passes the handler’s largest inline answer, and the next byte goes through the variants bucket instead', async () => {
    for (const bytes of [MAX_INLINE_BODY_BYTES, MAX_INLINE_BODY_BYTES + 1]) {
      const variants = new MemoryStore('variants');
      const originals = new MemoryStore('originals');
      originals.objects.set('demo/a.jpg', { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });
      const render = async (_source: Buffer, params: VariantParams): Promise<RenderedImage> => ({ body: Buffer.alloc(bytes, 7), contentType: 'image/webp', format: params.fmt, width: 1, height: 1 });
      const handler = createOriginRequestHandler({ variants, originals: [{ region: 'ap-northeast-1', store: originals }], render, log: () => undefined });
      let generated: number | undefined;
      const measured: OriginRequestHandler = async (event) => {
        const out = await handler(event);
        if ('status' in out) generated = generatedResponseSize(out as CloudFrontResultResponse);
        return out;
      };
      const fromBucket = async (uri: string): Promise<EdgeResponse> => {
        const object = variants.objects.get(decodeURIComponent(uri.slice(1)));
        return object ? { status: 200, headers: { 'content-type': 'image/webp' }, body: object.body } : notFound();
      };
      const res = await distribution(measured, fromBucket).handle(get('/demo/a.jpg?fmt=webp&q=75&w=3840'));
      expect(res.status, `${bytes} bytes`).toBe(200);
      expect(res.body).toHaveLength(bytes);
      const inline = bytes <= MAX_INLINE_BODY_BYTES;
      expect(res.headers['server-timing'] !== undefined, `${bytes} bytes inline`).toBe(inline);
      if (inline) expect(generated).toBeLessThan(MAX_GENERATED_RESPONSE_BYTES);
      else expect(generated).toBeUndefined();
    }
  });
});

describe('local CloudFront: every miss is answered, and the misses collapsed onto it', () => {
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
  const roleOf = (event: Parameters<OriginRequestHandler>[0]) => event.Records[0]?.cf.request.origin?.s3?.customHeaders['x-imgedge-origin']?.[0]?.value;
  const rendered: CloudFrontResultResponse = { status: '200', statusDescription: 'OK', headers: { 'cache-control': [{ key: 'Cache-Control', value: 'public, max-age=60' }] }, body: 'rendered' };
  /** The variants origin points at the variant; the render origin renders it. */
  const originGroup: OriginRequestHandler = async (event) => (roleOf(event) === 'render' ? rendered : event.Records[0]!.cf.request);
  const track = <T>(promise: Promise<T>) => {
    const state: { value?: T } = {};
    void promise.then((value) => (state.value = value));
    return state;
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails a variants bucket that never answers over to the render origin at ORIGIN_READ_TIMEOUT_MS, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const cloudfront = distribution(originGroup, never);
    const res = track(cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75')));
    await vi.advanceTimersByTimeAsync(ORIGIN_READ_TIMEOUT_MS - 1);
    expect(res.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(res.value?.status).toBe(200);
    expect(res.value?.body.toString()).toBe('rendered');
    expect(cloudfront.stats.originFailovers).toBe(1);
  });

  it('answers 503 (not cached) for an origin-request function that never returns, at ORIGIN_REQUEST_FUNCTION_TIMEOUT_MS, releasing every collapsed request; the next miss starts afresh', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let hang = true;
    let invocations = 0;
    const cloudfront = distribution(async (event) => {
      invocations++;
      return hang ? never() : originGroup(event);
    });
    const requests = Array.from({ length: 5 }, () => track(cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75'))));
    await vi.advanceTimersByTimeAsync(ORIGIN_REQUEST_FUNCTION_TIMEOUT_MS - 1);
    expect(requests.every((r) => r.value === undefined)).toBe(true);
    expect(cloudfront.stats.collapsed).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests.map((r) => r.value?.status)).toEqual([503, 503, 503, 503, 503]);
    expect(invocations).toBe(1);

    hang = false;
    const after = await cloudfront.handle(get('/demo/a.jpg?fmt=webp&q=75'));
    expect(after.status).toBe(200);
    expect(after.headers['x-cache']).toBe('Miss from cloudfront');
    expect(invocations).toBe(3); // variants, then render: nothing left of the hung miss
  });

  it('answers 503 for an origin-request function that fails, and 502 → failover for a variants bucket that errors', async () => {
    const failing = distribution(async () => Promise.reject(new Error('Sandbox.Timedout')));
    const refused = await failing.handle(get('/demo/a.jpg?fmt=webp&q=75'));
    expect(refused.status).toBe(503);
    expect((await failing.handle(get('/demo/a.jpg?fmt=webp&q=75'))).status).toBe(503);

    const erroring = distribution(originGroup, async () => Promise.reject(new Error('ECONNRESET')));
    const res = await erroring.handle(get('/demo/a.jpg?fmt=webp&q=75'));
    expect(res.status).toBe(200);
    expect(erroring.stats.originFailovers).toBe(1);
  });
});

describe('local CloudFront: the response headers policy on every answer, not in the cache key', () => {
  const POLICY = Object.fromEntries(Object.entries(RESPONSE_HEADERS).map(([name, { value }]) => [name, value]));
  const roleOf = (event: Parameters<OriginRequestHandler>[0]) => event.Records[0]?.cf.request.origin?.s3?.customHeaders['x-imgedge-origin']?.[0]?.value;
  /** The variants origin fetches from the bucket; the render origin answers 404 for `missing`, and renders anything else. */
  const originGroup: OriginRequestHandler = async (event) => {
    const request = event.Records[0]!.cf.request;
    if (roleOf(event) !== 'render') return request;
    const status = request.uri.includes('missing') ? '404' : '200';
    return { status, headers: { 'cache-control': [{ key: 'Cache-Control', value: status === '404' ? 'public, max-age=60' : VARIANT_CACHE_CONTROL }] }, body: status };
  };
  /** The variants bucket holds `stored.jpg`, with headers of its own that the policy overrides. */
  const bucket: OriginFetch = async (uri) =>
    uri.includes('stored') ? { status: 200, headers: { 'content-type': 'image/webp', 'cache-control': VARIANT_CACHE_CONTROL, Vary: 'Origin', 'x-frame-options': 'DENY' }, body: Buffer.from('webp') } : notFound();
  const generated = (statusCode: number, cacheControl: string): AWSCloudFrontFunction.Response => ({
    statusCode,
    statusDescription: String(statusCode),
    headers: { 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: cacheControl } },
    body: 'refused',
  });
  /** The viewer function answers 403, 451 or 503 itself for those paths, as edge/viewer does. */
  const refusals: Record<string, AWSCloudFrontFunction.Response> = { '/demo/forbidden.jpg': generated(403, 'no-store'), '/demo/taken-down.jpg': generated(451, 'no-store'), '/demo/outage.jpg': generated(503, 'no-store') };
  const viewer: CloudFrontFunction = { handler: async (event) => refusals[event.request.uri] ?? event.request };
  const edge = () => createLocalCloudFront({ viewer, originRequest: originGroup, fetchFromOrigin: bucket, variantsBucketDomain: 'variants.s3.us-east-1.amazonaws.com', cacheMaxBytes: 50_000_000 });
  const withAccept = (url: string, accept: string) => ({ ...get(url), headers: { accept } });

  it.each([
    ['a miss, from the variants bucket', '/demo/stored.jpg?fmt=webp&w=640', 200, 'Miss from cloudfront', VARIANT_CACHE_CONTROL],
    ['a miss, rendered', '/demo/rendered.jpg?fmt=webp&w=640', 200, 'Miss from cloudfront', VARIANT_CACHE_CONTROL],
    ['an origin 404', '/demo/missing.jpg?fmt=webp&w=640', 404, 'Miss from cloudfront', 'public, max-age=60'],
    ["the viewer function's 403", '/demo/forbidden.jpg?fmt=webp&w=640', 403, 'FunctionGeneratedResponse from cloudfront', 'no-store'],
    ["the viewer function's 451", '/demo/taken-down.jpg?fmt=webp&w=640', 451, 'FunctionGeneratedResponse from cloudfront', 'no-store'],
    ["the viewer function's 503", '/demo/outage.jpg?fmt=webp&w=640', 503, 'FunctionGeneratedResponse from cloudfront', 'no-store'],
  ])('%s carries every policy header, the Cache-Control it was given, and each header once', async (_kind, url, status, cache, cacheControl) => {
    const res = await edge().handle(get(url));
    expect(res.status).toBe(status);
    expect(res.headers).toMatchObject({ ...POLICY, 'x-cache': cache, 'cache-control': cacheControl });
    expect(Object.keys(res.headers).map((name) => name.toLowerCase()).filter((name) => Object.hasOwn(POLICY, name))).toHaveLength(Object.keys(POLICY).length);
  });

  it("carries them on CloudFront's own answers too: the signed-URL 403 and the 503 of a failing origin-request function", async () => {
    const signed = createLocalCloudFront({ viewer, originRequest: originGroup, fetchFromOrigin: bucket, variantsBucketDomain: 'v', cacheMaxBytes: 1_000_000, keyGroups: new Map([['keyed', []]]) });
    const refused = await signed.handle(get('/keyed/a.jpg?w=640'));
    expect(refused.status).toBe(403);
    expect(refused.headers).toMatchObject(POLICY);
    const failing = createLocalCloudFront({ viewer, originRequest: async () => Promise.reject(new Error('boom')), fetchFromOrigin: bucket, variantsBucketDomain: 'v', cacheMaxBytes: 1_000_000 });
    const unavailable = await failing.handle(get('/demo/a.jpg?w=640'));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers).toMatchObject(POLICY);
  });

  it('serves a hit with them, and keys the cache by URI and query alone: another Accept hits the same entry', async () => {
    const cloudfront = edge();
    const miss = await cloudfront.handle(withAccept('/demo/stored.jpg?fmt=auto&w=640', 'image/avif,image/webp,*/*'));
    const hit = await cloudfront.handle(withAccept('/demo/stored.jpg?fmt=auto&w=640', 'image/jpeg'));
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.body.equals(miss.body)).toBe(true);
    for (const answer of [miss, hit]) expect(answer.headers).toMatchObject({ ...POLICY, vary: 'Accept' });
    expect(hit.headers).not.toHaveProperty('Vary');
    expect(cloudfront.stats).toMatchObject({ hits: 1, misses: 1, originRequestInvocations: 1 });
    expect(cloudfront.invalidate(['/demo/stored.jpg*'])).toBe(1);
  });

  it("keeps the origin's header where the policy does not override, and adds the policy's where the origin sent none", () => {
    const policy = { vary: { value: 'Accept', override: false }, 'x-frame-options': { value: 'SAMEORIGIN', override: true } };
    const fromOrigin = { status: 200, headers: { Vary: 'Origin', 'X-Frame-Options': 'DENY' }, body: Buffer.alloc(0) };
    expect(withResponseHeadersPolicy(fromOrigin, policy).headers).toEqual({ Vary: 'Origin', 'x-frame-options': 'SAMEORIGIN' });
    expect(withResponseHeadersPolicy({ ...fromOrigin, headers: {} }, policy).headers).toEqual({ vary: 'Accept', 'x-frame-options': 'SAMEORIGIN' });
  });
});
