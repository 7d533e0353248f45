import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import {
  CONTENT_TYPES,
  keyToUri,
  originalKey,
  parseImageRequest,
  queryPairs,
  variantKey,
  type ImageRequest,
  type VariantParams,
} from '../contract/index.ts';
import { BadRequest, NotFound, OriginsUnavailable, toErrorResponse } from '../errors.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { MAX_SOURCE_BYTES, type RenderedImage } from '../transform/index.ts';

/**
 * The cache behavior's origin group is [variants → render], both pointing at
 * the variants bucket; this custom origin header on each tells the handler
 * which one CloudFront is about to call (the trigger fires for both).
 */
export const ORIGIN_ROLE_HEADER = 'x-imgedge-origin';
export type OriginRole = 'variants' | 'render';

/**
 * Lambda@Edge origin-request responses may be 1 MB including headers
 * (aws-limits.md §B); a base64 body grows by 4/3, so 760 KiB of image becomes
 * about 1,013 KiB, leaving room for headers. Bigger variants are served from
 * the stored object instead.
 */
export const MAX_INLINE_BODY_BYTES = 760 * 1024;

/** How long one originals region may take before we try the next replica. */
export const ORIGIN_REGION_TIMEOUT_MS = 3_000;

/**
 * After a region fails (5xx, timeout), later renders in this warm container
 * try it last for this long, so a hanging region costs one timeout, not one
 * per miss. Each container learns on its own; that is enough to stop the bleed.
 */
export const REGION_PENALTY_MS = 30_000;

/** Variants are immutable: a takedown or re-upload invalidates them explicitly. */
export const VARIANT_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Client errors are cached briefly so a hot bad URL cannot hammer the renderer. */
const CLIENT_ERROR_CACHE_CONTROL = 'public, max-age=60';

export interface OriginalsReplica {
  readonly region: string;
  readonly store: ObjectStore;
}

export interface OriginRequestDeps {
  readonly variants: ObjectStore;
  /** Nearest first (regionsNearestFirst). */
  readonly originals: readonly OriginalsReplica[];
  readonly render: (source: Buffer, params: VariantParams) => Promise<RenderedImage>;
  readonly regionTimeoutMs?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Milliseconds since the epoch; tests move it to expire penalties. */
  readonly now?: () => number;
}

export type OriginRequestHandler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequest | CloudFrontResultResponse>;

export function createOriginRequestHandler(deps: OriginRequestDeps): OriginRequestHandler {
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const regionTimeoutMs = deps.regionTimeoutMs ?? ORIGIN_REGION_TIMEOUT_MS;
  const now = deps.now ?? Date.now;
  const penalizedUntil = new Map<string, number>();

  return async (event) => {
    const record = event.Records[0];
    if (!record) return errorResponse(new BadRequest('empty event'));
    const { request } = record.cf;
    try {
      const parsed = parseImageRequest(request.uri, queryPairs(request.querystring));
      if (!parsed.ok) throw new BadRequest(parsed.reason);
      if (originRole(request) === 'variants') return pointAtVariant(request, parsed.request);
      return await renderOnMiss(request, parsed.request);
    } catch (err) {
      log({ level: 'error', message: 'origin request failed', uri: request.uri, error: String(err), cause: String((err as Error).cause ?? '') });
      return errorResponse(err);
    }
  };

  /** The variant may already exist: let CloudFront fetch it. No S3 call, no decode. */
  function pointAtVariant(request: CloudFrontRequest, image: ImageRequest): CloudFrontRequest {
    request.uri = keyToUri(variantKey(image));
    request.querystring = '';
    return request;
  }

  async function renderOnMiss(request: CloudFrontRequest, image: ImageRequest): Promise<CloudFrontRequest | CloudFrontResultResponse> {
    const fetchStart = performance.now();
    const { region, body: source } = await fetchOriginal(originalKey(image));
    const fetchMs = performance.now() - fetchStart;
    const rendered = await deps.render(source, image.params);
    const renderMs = performance.now() - fetchStart - fetchMs;
    const key = variantKey(image);
    const stored = await storeVariant(key, rendered);
    log({ level: 'info', message: 'rendered on miss', key, region, bytes: rendered.body.length, fetchMs: Math.round(fetchMs), renderMs: Math.round(renderMs), stored });

    if (rendered.body.length <= MAX_INLINE_BODY_BYTES) {
      return {
        status: '200',
        statusDescription: 'OK',
        headers: headers({
          'content-type': CONTENT_TYPES[rendered.format],
          'cache-control': VARIANT_CACHE_CONTROL,
          'server-timing': `fetch;dur=${fetchMs.toFixed(1)};desc="${region}", render;dur=${renderMs.toFixed(1)}`,
        }),
        body: rendered.body.toString('base64'),
        bodyEncoding: 'base64',
      };
    }
    if (!stored) throw new OriginsUnavailable('variant too large to inline and the variants bucket is unavailable');
    request.uri = keyToUri(key);
    request.querystring = '';
    return request;
  }

  /**
   * Nearest healthy replica first, recently failed ones last; a 404 also moves
   * on, since a fresh upload may not have replicated yet.
   */
  async function fetchOriginal(key: string): Promise<{ region: string; body: Buffer }> {
    let unavailable = 0;
    for (const { region, store } of replicasInOrder()) {
      try {
        const object = await store.get(key, { maxBytes: MAX_SOURCE_BYTES, signal: AbortSignal.timeout(regionTimeoutMs) });
        penalizedUntil.delete(region);
        if (object) return { region, body: object.body };
      } catch (err) {
        if (toErrorResponse(err).status < 500) throw err;
        unavailable++;
        penalizedUntil.set(region, now() + REGION_PENALTY_MS);
        log({ level: 'warn', message: 'originals region failed, trying the next', region, error: String(err) });
      }
    }
    if (unavailable > 0) throw new OriginsUnavailable('no originals region could answer');
    throw new NotFound('no such image');
  }

  function replicasInOrder(): readonly OriginalsReplica[] {
    const at = now();
    const penalized = (replica: OriginalsReplica) => ((penalizedUntil.get(replica.region) ?? 0) > at ? 1 : 0);
    return [...deps.originals].sort((a, b) => penalized(a) - penalized(b)); // stable: nearest-first within each group
  }

  /** True when the variant is in the bucket after this call (ours or a concurrent render's). */
  async function storeVariant(key: string, rendered: RenderedImage): Promise<boolean> {
    try {
      await deps.variants.putIfAbsent(key, rendered.body, {
        contentType: CONTENT_TYPES[rendered.format],
        cacheControl: VARIANT_CACHE_CONTROL,
      });
      return true;
    } catch (err) {
      log({ level: 'warn', message: 'could not store variant; serving inline only', key, error: String(err) });
      return false;
    }
  }
}

function originRole(request: CloudFrontRequest): OriginRole {
  const value = request.origin?.s3?.customHeaders[ORIGIN_ROLE_HEADER]?.[0]?.value;
  return value === 'render' ? 'render' : 'variants';
}

function headers(values: Record<string, string>): CloudFrontHeaders {
  const out: CloudFrontHeaders = {};
  for (const [name, value] of Object.entries(values)) out[name] = [{ key: name, value }];
  return out;
}

function errorResponse(err: unknown): CloudFrontResultResponse {
  const { status, message } = toErrorResponse(err);
  return {
    status: String(status),
    headers: headers({
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': status < 500 ? CLIENT_ERROR_CACHE_CONTROL : 'no-store',
    }),
    body: message,
  };
}
