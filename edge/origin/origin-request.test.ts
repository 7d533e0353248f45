import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { originRequestEvent } from '../../test/support/origin-events.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { generationTokenOf, ORIGINALS_REGIONS, OUTPUT_FORMATS, StoreUnavailable, UnprocessableSource, type VariantParams } from '../../core/index.ts';
import { ORIGIN_REGION_TIMEOUT_MS, type PutOptions, REGION_PENALTY_MS } from '../../core/storage/index.ts';
import { type RenderedImage, VARIANT_CACHE_CONTROL } from '../../core/transform/index.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import {
  createOriginRequestHandler,
  GENERATED_RESPONSE_LIMIT_BYTES,
  generatedResponseBytes,
  inlineResponse,
  MAX_INLINE_BASE64_BYTES,
  MAX_INLINE_BODY_BYTES,
  type OriginRole,
  RESPONSE_HEADER_BUDGET_BYTES,
  RESPONSE_MARGIN_BYTES,
  RETRY_AFTER_SECONDS,
  VARIANT_STORE_TIMEOUT_MS,
} from './origin-request.ts';

const event = (uri: string, querystring: string, role: OriginRole) => originRequestEvent(uri, querystring, role);

const asResponse = (result: unknown) => result as CloudFrontResultResponse;
const asRequest = (result: unknown) => result as CloudFrontRequest;

describe('origin-request handler', () => {
  let variants: MemoryStore;
  let near: MemoryStore;
  let far: MemoryStore;
  let renders: VariantParams[];
  let renderedBytes: number;

  const render = async (_source: Buffer, params: VariantParams): Promise<RenderedImage> => {
    renders.push(params);
    return { body: Buffer.alloc(renderedBytes, 7), contentType: 'image/webp', format: params.fmt, width: params.w ?? 1, height: 1 };
  };
  const handler = () =>
    createOriginRequestHandler({
      variants,
      originals: [
        { region: 'eu-west-1', store: near },
        { region: 'us-east-1', store: far },
      ],
      render,
      log: () => undefined,
    });

  beforeEach(() => {
    variants = new MemoryStore('variants');
    near = new MemoryStore('near');
    far = new MemoryStore('far');
    renders = [];
    renderedBytes = 100;
    near.objects.set('demo/cat.jpg', { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });
    far.objects.set('demo/cat.jpg', { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });
  });

  describe('on the variants origin', () => {
    it('points the request at the variant key without touching any bucket', async () => {
      const out = asRequest(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'variants')));
      expect(out.uri).toBe('/demo/cat.jpg/w640_q75.webp');
      expect(out.querystring).toBe('');
      expect([...variants.calls, ...near.calls, ...far.calls]).toEqual([]);
      expect(renders).toEqual([]);
    });

    it('keeps the key percent-encoded once', async () => {
      const out = asRequest(await handler()(event('/demo/a%20b/c%C3%A9.jpg', 'fmt=jpeg&q=75', 'variants')));
      expect(out.uri).toBe('/demo/a%20b/c%C3%A9.jpg/q75.jpeg');
    });
  });

  describe('on the render origin', () => {
    it('renders the same variant from the request the variants origin rewrote (AWS does not say which request failover sends)', async () => {
      const rewritten = asRequest(await handler()(event('/demo/a%20b/c%C3%A9.jpg', 'fmt=webp&q=60&h=200&w=640', 'variants')));
      near.objects.set('demo/a b/cé.jpg', { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });
      const out = asResponse(await handler()(event(rewritten.uri, rewritten.querystring, 'render')));
      expect(out.status).toBe('200');
      expect(renders).toEqual([{ fmt: 'webp', q: 60, w: 640, h: 200 }]);
      expect(variants.objects.has('demo/a b/cé.jpg/w640_h200_q60.webp')).toBe(true);
    });

    it('reads a query-less URI that is no variant key as an original of that name, as before', async () => {
      for (const uri of ['/demo/cat.jpg/w640_q75.gif', '/demo/cat.jpg/w0_q75.webp', '/demo/q75.webp']) {
        expect(asResponse(await handler()(event(uri, '', 'render'))).status, uri).toBe('404');
      }
      expect(asResponse(await handler()(event('/demo/%E0%A4%A.jpg/q75.webp', '', 'render'))).status).toBe('400');
      expect(near.calls).toEqual(['get demo/cat.jpg/w640_q75.gif', 'get demo/cat.jpg/w0_q75.webp', 'get demo/q75.webp']);
      expect(renders).toEqual([]);
    });

    it('renders from the first replica in read order (the Region it runs in), stores the variant and answers inline', async () => {
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render')));
      expect(out.status).toBe('200');
      expect(out.bodyEncoding).toBe('base64');
      expect(Buffer.from(out.body as string, 'base64')).toEqual(Buffer.alloc(100, 7));
      expect(out.headers?.['content-type']?.[0]?.value).toBe('image/webp');
      expect(out.headers?.['cache-control']?.[0]?.value).toBe(VARIANT_CACHE_CONTROL);
      expect(out.headers?.['server-timing']?.[0]?.value).toContain('desc="eu-west-1"');
      expect(near.calls).toEqual(['get demo/cat.jpg']);
      expect(far.calls).toEqual([]);
      expect(variants.objects.has('demo/cat.jpg/w640_q75.webp')).toBe(true);
    });

    it('fails over to the next replica in read order when the first is unavailable', async () => {
      near.fail = new StoreUnavailable('down');
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render')));
      expect(out.status).toBe('200');
      expect(far.calls).toEqual(['get demo/cat.jpg']);
      expect(out.headers?.['server-timing']?.[0]?.value).toContain('desc="us-east-1"');
    });

    it('tries a region that just failed last, until its penalty expires', async () => {
      let clock = 0;
      const handle = createOriginRequestHandler({
        variants,
        originals: [
          { region: 'eu-west-1', store: near },
          { region: 'us-east-1', store: far },
        ],
        render,
        log: () => undefined,
        now: () => clock,
      });
      near.fail = new StoreUnavailable('hanging');
      await handle(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render'));
      near.fail = undefined;
      await handle(event('/demo/cat.jpg', 'fmt=webp&q=75&w=750', 'render'));
      expect(near.calls).toEqual(['get demo/cat.jpg']);
      clock += REGION_PENALTY_MS + 1;
      const out = asResponse(await handle(event('/demo/cat.jpg', 'fmt=webp&q=75&w=828', 'render')));
      expect(out.headers?.['server-timing']?.[0]?.value).toContain('desc="eu-west-1"');
      expect(near.calls).toHaveLength(2);
    });

    it('looks in the next replica when the first has not replicated the original yet', async () => {
      near.objects.clear();
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render')));
      expect(out.status).toBe('200');
      expect(far.calls).toEqual(['get demo/cat.jpg']);
    });

    it('answers 404 when no region has the original', async () => {
      near.objects.clear();
      far.objects.clear();
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.status).toBe('404');
      expect(out.headers?.['cache-control']?.[0]?.value).toBe('public, max-age=60');
    });

    it('answers 503, not cached, with when to ask again, when no region can answer', async () => {
      near.fail = new StoreUnavailable('down');
      far.fail = new StoreUnavailable('down');
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.status).toBe('503');
      expect(out.headers?.['cache-control']?.[0]?.value).toBe('no-store');
      expect(out.headers?.['retry-after']?.[0]?.value).toBe(String(RETRY_AFTER_SECONDS));
    });

    it('answers a 4xx without Retry-After: asking again changes nothing', async () => {
      near.objects.clear();
      far.objects.clear();
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.headers?.['retry-after']).toBeUndefined();
    });

    it('passes a refused source through as its 4xx without trying other regions', async () => {
      const failing = createOriginRequestHandler({
        variants,
        originals: [{ region: 'eu-west-1', store: near }],
        render: async () => {
          throw new UnprocessableSource('image is truncated');
        },
        log: () => undefined,
      });
      const out = asResponse(await failing(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.status).toBe('422');
      expect(out.body).toBe('image is truncated');
    });

    it('answers a variant exactly at the inline limit inline, the whole response under the 1 MB limit less the margin', async () => {
      renderedBytes = MAX_INLINE_BODY_BYTES;
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=3840', 'render')));
      expect(out.status).toBe('200');
      expect(out.body).toHaveLength(MAX_INLINE_BASE64_BYTES);
      expect(Buffer.from(out.body as string, 'base64')).toHaveLength(MAX_INLINE_BODY_BYTES);
      expect(generatedResponseBytes(out).total).toBeLessThanOrEqual(GENERATED_RESPONSE_LIMIT_BYTES - RESPONSE_MARGIN_BYTES);
      expect(variants.objects.get('demo/cat.jpg/w3840_q75.webp')?.body.length).toBe(MAX_INLINE_BODY_BYTES);
    });

    it('stores a variant one byte past the inline limit and points the request at the stored object instead', async () => {
      renderedBytes = MAX_INLINE_BODY_BYTES + 1;
      const out = asRequest(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&w=3840', 'render')));
      expect('status' in out).toBe(false);
      expect(out.uri).toBe('/demo/cat.jpg/w3840_q75.webp');
      expect(out.querystring).toBe('');
      expect(variants.objects.get('demo/cat.jpg/w3840_q75.webp')?.body.length).toBe(MAX_INLINE_BODY_BYTES + 1);
    });

    it('still serves inline when the variants bucket cannot store the variant', async () => {
      variants.fail = new StoreUnavailable('down');
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.status).toBe('200');
    });

    it('answers 503 when the variant is too large to inline and cannot be stored', async () => {
      variants.fail = new StoreUnavailable('down');
      renderedBytes = MAX_INLINE_BODY_BYTES + 1;
      const out = asResponse(await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75', 'render')));
      expect(out.status).toBe('503');
    });

    describe('at a generation (a replaced original), during replication lag', () => {
      const upload = (etag: string) => ({ body: Buffer.from(`jpeg ${etag}`), contentType: 'image/jpeg', cacheControl: undefined, etag });
      const token = generationTokenOf('demo/cat.jpg@etag-2');
      const atGeneration = () => event('/demo/cat.jpg', `fmt=webp&q=75&v=${token}&w=640`, 'render');

      it('renders only from a replica that has that upload: the nearer one, still holding the earlier upload, is passed over', async () => {
        near.objects.set('demo/cat.jpg', upload('etag-1'));
        far.objects.set('demo/cat.jpg', upload('etag-2'));
        const sources: string[] = [];
        const out = asResponse(
          await createOriginRequestHandler({
            variants,
            originals: [
              { region: 'eu-west-1', store: near },
              { region: 'us-east-1', store: far },
            ],
            render: async (source, params) => (sources.push(source.toString()), render(source, params)),
            log: () => undefined,
          })(atGeneration()),
        );
        expect(out.status).toBe('200');
        expect(sources).toEqual(['jpeg etag-2']);
        expect([...variants.objects.keys()]).toEqual([`demo/cat.jpg/w640_q75_v${token}.webp`]);
      });

      it('answers 503 no-store and stores nothing while no replica has it: never the earlier upload under the new name', async () => {
        near.objects.set('demo/cat.jpg', upload('etag-1'));
        far.objects.set('demo/cat.jpg', upload('etag-1'));
        const out = asResponse(await handler()(atGeneration()));
        expect(out.status).toBe('503');
        expect(out.headers?.['cache-control']?.[0]?.value).toBe('no-store');
        expect(renders).toEqual([]);
        expect(variants.objects.size).toBe(0);
      });

      it('knows a single-part upload by the MD5 of its bytes, whatever ETag the replica reports', async () => {
        const body = Buffer.from('jpeg bytes');
        const md5 = createHash('md5').update(body).digest('hex');
        near.objects.set('demo/cat.jpg', { body, contentType: 'image/jpeg', cacheControl: undefined, etag: 'replica-own-etag' });
        const out = asResponse(await handler()(event('/demo/cat.jpg', `fmt=webp&q=75&v=${generationTokenOf(`demo/cat.jpg@${md5}`)}&w=640`, 'render')));
        expect(out.status).toBe('200');
      });
    });
  });

  it('answers 400 for a URI that is not a valid image request, touching nothing', async () => {
    const out = asResponse(await handler()(event('/demo/../secret.jpg', 'fmt=webp&q=75', 'render')));
    expect(out.status).toBe('400');
    expect([...variants.calls, ...near.calls, ...far.calls]).toEqual([]);
  });

  it('reads only the tenant’s own key, whatever the URI says', async () => {
    await handler()(event('/demo/cat.jpg', 'fmt=webp&q=75&bucket=other&key=../x', 'render'));
    expect(near.calls).toEqual(['get demo/cat.jpg']);
  });
});

describe('the inline limit', () => {
  it('is derived from the 1,000,000-byte generated-response limit: header budget and margin off, the rest base64', () => {
    expect(MAX_INLINE_BASE64_BYTES + RESPONSE_HEADER_BUDGET_BYTES + RESPONSE_MARGIN_BYTES).toBe(GENERATED_RESPONSE_LIMIT_BYTES);
    const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);
    expect(base64Length(MAX_INLINE_BODY_BYTES)).toBeLessThanOrEqual(MAX_INLINE_BASE64_BYTES);
    expect(base64Length(MAX_INLINE_BODY_BYTES + 1)).toBeGreaterThan(MAX_INLINE_BASE64_BYTES);
    expect(MAX_INLINE_BODY_BYTES).toBe(728_856);
    // The old 760 KiB did not fit at all: its base64 alone was over the limit.
    expect(base64Length(760 * 1024)).toBeGreaterThan(GENERATED_RESPONSE_LIMIT_BYTES);
  });

  it('fits the largest headers the handler can emit into the header budget', () => {
    // Every content type, every region name, and durations from none to the longest toFixed can print.
    const durations = [0, 29_999.95, 1e20 - 1, -1e20 + 1, Number.MAX_VALUE, -Number.MAX_VALUE, Number.NaN, Number.NEGATIVE_INFINITY];
    let largest = 0;
    for (const format of OUTPUT_FORMATS) {
      for (const region of ORIGINALS_REGIONS) {
        for (const fetchMs of durations) {
          for (const renderMs of durations) {
            const { head } = generatedResponseBytes(inlineResponse({ body: Buffer.alloc(0), format }, { region, fetchMs, renderMs }));
            largest = Math.max(largest, head);
          }
        }
      }
    }
    expect(largest).toBeLessThanOrEqual(RESPONSE_HEADER_BUDGET_BYTES);
    expect(largest).toBeLessThan(450);
  });

  it('keeps an error response, whose body is the reason, far inside the limit', async () => {
    const handle = createOriginRequestHandler({ variants: new MemoryStore('v'), originals: [], render: async () => Promise.reject(new Error('unused')), log: () => undefined });
    const out = asResponse(await handle(event(`/demo/${'a'.repeat(8_000)}.svg`, 'fmt=webp&q=75', 'render')));
    expect(out.status).toBe('400');
    expect(generatedResponseBytes(out).total).toBeLessThanOrEqual(RESPONSE_HEADER_BUDGET_BYTES);
  });
});

/** A bucket that takes every request and never answers; a call's signal fails it, as S3ObjectStore's does. */
class HangingStore extends MemoryStore {
  private hang<T>(signal: AbortSignal | undefined): Promise<T> {
    return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new StoreUnavailable('aborted')), { once: true }));
  }
  override async get(key: string, options: { signal?: AbortSignal }) {
    this.calls.push(`get ${key}`);
    return this.hang<undefined>(options.signal);
  }
  override async putIfAbsent(key: string, _body: Buffer, options: PutOptions) {
    this.calls.push(`putIfAbsent ${key}`);
    return this.hang<'created'>(options.signal);
  }
}

describe('origin-request deadlines', () => {
  const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] };
  /** The fake clock runs the loop turn a deadline waits before expiring one millisecond later. */
  const LOOP_TURN_MS = 1;
  const render = async (_source: Buffer, params: VariantParams): Promise<RenderedImage> => ({ body: Buffer.alloc(100, 7), contentType: 'image/webp', format: params.fmt, width: 1, height: 1 });
  const original = () => {
    const store = new MemoryStore('near');
    store.objects.set('demo/cat.jpg', { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined });
    return store;
  };
  const track = <T>(promise: Promise<T>) => {
    const state: { value?: T } = {};
    void promise.then((value) => (state.value = value));
    return state;
  };

  beforeEach(() => {
    vi.useFakeTimers(FAKE);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves the render inline once storing it has taken VARIANT_STORE_TIMEOUT_MS, not before', async () => {
    const variants = new HangingStore('variants');
    const handle = createOriginRequestHandler({ variants, originals: [{ region: 'us-east-1', store: original() }], render, log: () => undefined });
    const out = track(handle(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render')));
    await vi.advanceTimersByTimeAsync(0);
    expect(variants.calls).toEqual(['putIfAbsent demo/cat.jpg/w640_q75.webp']);
    await vi.advanceTimersByTimeAsync(VARIANT_STORE_TIMEOUT_MS - 1);
    expect(out.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    expect(asResponse(out.value).status).toBe('200');
  });

  it('answers 503 once every originals region has hung for the read’s budget, not before', async () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-northeast-1'].map((region) => ({ region, store: new HangingStore(region) }));
    const handle = createOriginRequestHandler({ variants: new MemoryStore('variants'), originals: regions, render, log: () => undefined });
    const out = track(handle(event('/demo/cat.jpg', 'fmt=webp&q=75&w=640', 'render')));
    await vi.advanceTimersByTimeAsync(regions.length * ORIGIN_REGION_TIMEOUT_MS - 1);
    expect(out.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    expect(asResponse(out.value).status).toBe('503');
    expect(asResponse(out.value).headers?.['cache-control']?.[0]?.value).toBe('no-store');
  });
});
