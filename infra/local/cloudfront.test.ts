/**
 * The local CloudFront holds an origin-request function's generated response
 * to CloudFront's 1 MB limit (headers and body) and answers 502 over it, as
 * CloudFront does; the real handler's largest inline answer passes it.
 */
import type { CloudFrontResultResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { VariantParams } from '../../core/index.ts';
import type { RenderedImage } from '../../core/transform/index.ts';
import { createOriginRequestHandler, MAX_INLINE_BODY_BYTES, type OriginRequestHandler } from '../../edge/origin/origin-request.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { createLocalCloudFront, type EdgeResponse, type OriginFetch, generatedResponseSize, LAMBDA_VALIDATION_ERROR_REASON, MAX_GENERATED_RESPONSE_BYTES } from './cloudfront.ts';
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
