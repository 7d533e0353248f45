import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { BadRequest, CONTENT_TYPES, type ImageRequest, keyToUri, OriginsUnavailable, parseImageRequest, type ParseResult, parseVariant, parseVariantKey, queryPairs, toErrorResponse, variantKey } from '../../core/index.ts';
import { createOriginalsReader, type ObjectStore, type OriginalsReplica } from '../../core/storage/index.ts';
import { type RenderedVariant, type Renderer, renderFromOriginals, storeVariant, VARIANT_CACHE_CONTROL } from '../../core/transform/index.ts';

/**
 * The cache behavior's origin group is [variants → render], both pointing at
 * the variants bucket; this custom origin header on each tells the handler
 * which one CloudFront is about to call (the trigger fires for both).
 */
export const ORIGIN_ROLE_HEADER = 'x-imgedge-origin';
export type OriginRole = 'variants' | 'render';

/**
 * Lambda@Edge origin-request responses may be 1 MB including headers
 * (docs/aws-limits.md §B); a base64 body grows by 4/3, so 760 KiB of image becomes
 * about 1,013 KiB, leaving room for headers. Bigger variants are served from
 * the stored object instead.
 */
export const MAX_INLINE_BODY_BYTES = 760 * 1024;

/** Client errors are cached briefly so a hot bad URL cannot hammer the renderer. */
const CLIENT_ERROR_CACHE_CONTROL = 'public, max-age=60';

export interface OriginRequestDeps {
  readonly variants: ObjectStore;
  /** Nearest first (regionsNearestFirst). */
  readonly originals: readonly OriginalsReplica[];
  readonly render: Renderer;
  readonly regionTimeoutMs?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Milliseconds since the epoch; tests move it to expire penalties. */
  readonly now?: () => number;
}

export type OriginRequestHandler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequest | CloudFrontResultResponse>;

export function createOriginRequestHandler(deps: OriginRequestDeps): OriginRequestHandler {
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const originals = createOriginalsReader({ originals: deps.originals, regionTimeoutMs: deps.regionTimeoutMs, now: deps.now, log });

  return async (event) => {
    const record = event.Records[0];
    if (!record) return errorResponse(new BadRequest('empty event'));
    const { request } = record.cf;
    try {
      const parsed = imageOf(request);
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
    const variant = await renderFromOriginals(originals, deps.render, image);
    const { key, rendered, region, fetchMs, renderMs } = variant;
    const stored = await tryStore(variant);
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

  /** True when the variant is in the bucket after this call (ours or a concurrent render's). */
  async function tryStore(variant: RenderedVariant): Promise<boolean> {
    try {
      await storeVariant(deps.variants, variant);
      return true;
    } catch (err) {
      log({ level: 'warn', message: 'could not store variant; serving inline only', key: variant.key, error: String(err) });
      return false;
    }
  }
}

/**
 * The image a request names, in either form the render branch may get. AWS
 * documents that on failover CloudFront "sends the same request to the
 * secondary origin" and runs the origin-request trigger again, not whether that
 * is the request as the primary's trigger rewrote it (URI → variant key, no
 * query) or as it was (docs/aws-limits.md §B, "Origin-request trigger fires",
 * from the guide's high_availability_origin_failover page), so both are read. The viewer
 * function always leaves a canonical query (`fmt` and `q` at least): an empty
 * one can only be the rewritten form, and its URI is then a variant key.
 */
function imageOf(request: CloudFrontRequest): ParseResult {
  const variant = request.querystring === '' ? parseVariantKey(uriToKey(request.uri)) : undefined;
  if (variant) return parseVariant(variant);
  return parseImageRequest(request.uri, queryPairs(request.querystring));
}

/** keyToUri's inverse; '' (no key) when the URI's encoding is malformed. */
function uriToKey(uri: string): string {
  try {
    return decodeURIComponent(uri.slice(1));
  } catch {
    return '';
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
