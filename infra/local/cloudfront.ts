/**
 * CloudFront, stood in for: what happens to one viewer request, in the order
 * CloudFront does it. The signed-URL check of a behavior with trusted key
 * groups (signed-urls.ts), the viewer function (the built file, in its sandbox),
 * a byte-bounded cache keyed by the rewritten URI and query, request
 * collapsing for concurrent misses (as Origin Shield does), the origin group
 * [variants → render] with failover, and the origin-request Lambda@Edge
 * handler called with a real-shaped event before each origin fetch.
 */
import { randomUUID } from 'node:crypto';
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { LRUCache } from 'lru-cache';
import { ORIGIN_ROLE_HEADER, type OriginRequestHandler, type OriginRole } from '../../edge/origin/origin-request.ts';
import type { CloudFrontFunction } from './cloudfront-function-runtime.ts';
import { checkSignedUrl, type TrustedPublicKey } from './signed-urls.ts';

export interface ViewerRequest {
  readonly method: string;
  /** Path and query exactly as received, still percent-encoded. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly ip: string;
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface OriginFetch {
  /** GET the object at `uri` from the variants bucket (an S3 origin with OAC). */
  (uri: string): Promise<EdgeResponse>;
}

export interface CloudFrontStats {
  requests: number;
  hits: number;
  misses: number;
  /** Misses that waited on an identical in-flight miss instead of reaching the origin. */
  collapsed: number;
  functionResponses: number;
  originRequestInvocations: number;
  originFailovers: number;
}

export interface LocalCloudFrontOptions {
  readonly viewer: CloudFrontFunction;
  readonly originRequest: OriginRequestHandler;
  readonly fetchFromOrigin: OriginFetch;
  readonly variantsBucketDomain: string;
  readonly cacheMaxBytes: number;
  /**
   * Tenant → the public keys its own cache behavior `/{tenant}/*` trusts (its key
   * group), as the delivery stack deploys; read per request, so it may change at run time.
   */
  readonly keyGroups?: ReadonlyMap<string, readonly TrustedPublicKey[]>;
  /** The scheme viewers use, part of the URL a signature covers; the local server speaks http. */
  readonly viewerProtocol?: 'http' | 'https';
  /**
   * What the secondary origin's origin-request trigger gets on failover, which
   * AWS does not document: the request as the viewer function left it
   * ('viewer', the default), or as the primary's trigger rewrote it ('rewritten').
   * The handler must work under both; the e2e suite runs the miss path under each.
   */
  readonly failoverRequest?: FailoverRequest;
}

export type FailoverRequest = 'viewer' | 'rewritten';
export const FAILOVER_REQUESTS: readonly FailoverRequest[] = ['viewer', 'rewritten'];

/** The origin group's failover criteria (docs/aws-limits.md §C lists which codes may be chosen). */
export const FAILOVER_STATUSES: ReadonlySet<number> = new Set([403, 404, 500, 502, 503, 504]);
const ORIGIN_GROUP: readonly OriginRole[] = ['variants', 'render'];
/** CloudFront's default error-caching minimum TTL. */
const ERROR_CACHING_TTL_MS = 10_000;
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

export interface LocalCloudFront {
  handle(request: ViewerRequest): Promise<EdgeResponse>;
  readonly stats: CloudFrontStats;
  /**
   * Drops cached entries as a CloudFront invalidation does: an exact path names
   * one cache key (path and query), a trailing `*` matches every key it prefixes.
   */
  invalidate(paths: readonly string[]): number;
}

export function createLocalCloudFront(options: LocalCloudFrontOptions): LocalCloudFront {
  const stats: CloudFrontStats = { requests: 0, hits: 0, misses: 0, collapsed: 0, functionResponses: 0, originRequestInvocations: 0, originFailovers: 0 };
  const cache = new LRUCache<string, EdgeResponse>({
    maxSize: options.cacheMaxBytes,
    sizeCalculation: (entry) => Math.max(1, entry.body.length),
  });
  const inFlight = new Map<string, Promise<EdgeResponse>>();

  async function handle(viewerRequest: ViewerRequest): Promise<EdgeResponse> {
    stats.requests++;
    const refusal = signedUrlRefusal(viewerRequest);
    if (refusal) return refusal;
    const event = viewerEvent(viewerRequest);
    const result = await options.viewer.handler(event);
    if ('statusCode' in result) {
      stats.functionResponses++;
      return withCacheStatus(functionResponse(result), 'FunctionGeneratedResponse');
    }
    const request = result as AWSCloudFrontFunction.Request;
    const key = cacheKey(request);
    const cached = cache.get(key);
    if (cached) {
      stats.hits++;
      return withCacheStatus(cached, 'Hit');
    }
    stats.misses++;
    let pending = inFlight.get(key);
    if (pending) stats.collapsed++;
    else {
      pending = fetchThroughOriginGroup(request, viewerRequest.ip).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
      void pending.then((response) => store(key, response));
    }
    return withCacheStatus(await pending, 'Miss');
  }

  function signedUrlRefusal(viewerRequest: ViewerRequest): EdgeResponse | undefined {
    const path = viewerRequest.url.split('?')[0] as string;
    // The behavior `/{tenant}/*`, matched on the path as received, like CloudFront's path patterns.
    const slash = path.indexOf('/', 1);
    const trusted = slash > 0 ? options.keyGroups?.get(path.slice(1, slash)) : undefined;
    if (!trusted) return undefined;
    const host = viewerRequest.headers.host;
    const verdict = checkSignedUrl(`${options.viewerProtocol ?? 'http'}://${typeof host === 'string' ? host : ''}${viewerRequest.url}`, trusted, new Date(), viewerRequest.ip);
    if (verdict.ok) return undefined;
    const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${verdict.code}</Code><Message>${verdict.code === 'MissingKey' ? verdict.message : 'Access denied'}</Message></Error>`;
    return { status: 403, headers: { 'content-type': 'text/xml', 'x-cache': 'Error from cloudfront' }, body: Buffer.from(body) };
  }

  function store(key: string, response: EdgeResponse) {
    if (response.status === 200) {
      const ttl = maxAgeMs(response.headers['cache-control']);
      if (ttl > 0) cache.set(key, response, { ttl });
    } else if (response.status >= 400 && response.status < 500) {
      cache.set(key, response, { ttl: ERROR_CACHING_TTL_MS });
    }
  }

  async function fetchThroughOriginGroup(request: AWSCloudFrontFunction.Request, clientIp: string): Promise<EdgeResponse> {
    let response: EdgeResponse | undefined;
    let rewritten: CloudFrontRequest | undefined;
    for (const role of ORIGIN_GROUP) {
      if (response) stats.originFailovers++;
      stats.originRequestInvocations++;
      const event = originRequestEvent(request, clientIp, role, options.variantsBucketDomain);
      if (rewritten && options.failoverRequest === 'rewritten') Object.assign(event.Records[0]!.cf.request, { uri: rewritten.uri, querystring: rewritten.querystring });
      const result = await options.originRequest(event);
      rewritten = 'status' in result ? undefined : (result as CloudFrontRequest);
      response = rewritten ? await options.fetchFromOrigin(rewritten.uri) : generatedResponse(result as CloudFrontResultResponse);
      if (!FAILOVER_STATUSES.has(response.status)) return response;
    }
    return response as EdgeResponse;
  }

  function invalidate(paths: readonly string[]): number {
    let dropped = 0;
    for (const key of cache.keys()) {
      const matches = paths.some((path) => (path.endsWith('*') ? key.startsWith(path.slice(0, -1)) : key === path));
      if (matches && cache.delete(key)) dropped++;
    }
    return dropped;
  }

  return { handle, stats, invalidate };
}

/** The CloudFront Function event (version 1.0): lowercased headers, repeated names folded into multiValue. */
export function viewerEvent(request: ViewerRequest): AWSCloudFrontFunction.Event {
  const q = request.url.indexOf('?');
  const uri = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const querystring: AWSCloudFrontFunction.ValueObject = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    addValue(querystring, eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1));
  }
  const headers: AWSCloudFrontFunction.ValueObject = {};
  const cookies: AWSCloudFrontFunction.ValueObject = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    for (const v of typeof value === 'string' ? [value] : value) {
      if (lower === 'cookie') {
        for (const pair of v.split(';')) {
          const eq = pair.indexOf('=');
          if (eq > 0) addValue(cookies, pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
      } else addValue(headers, lower, v);
    }
  }
  return {
    version: '1.0',
    context: { distributionDomainName: 'local.cloudfront.net', distributionId: 'LOCAL', eventType: 'viewer-request', requestId: randomUUID() },
    viewer: { ip: request.ip },
    request: { method: request.method, uri, querystring, headers, cookies, rawQueryString: () => rawQuery },
    response: { statusCode: 200 },
  };
}

function addValue(target: AWSCloudFrontFunction.ValueObject, name: string, value: string) {
  // Own properties only: a parameter, header or cookie named `constructor` or `__proto__` is data, not Object.prototype.
  const existing = Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined;
  if (!existing) {
    Object.defineProperty(target, name, { value: { value }, enumerable: true, writable: true, configurable: true });
    return;
  }
  existing.multiValue ??= [{ value: existing.value }];
  existing.multiValue.push({ value });
}

/** URI + the query the viewer function left, in name order: exactly what the cache policy keys on. */
export function cacheKey(request: AWSCloudFrontFunction.Request): string {
  const names = Object.keys(request.querystring).sort();
  const query = names.map((name) => `${name}=${request.querystring[name]?.value ?? ''}`).join('&');
  return query ? `${request.uri}?${query}` : request.uri;
}

/** The origin-request event (docs/aws-limits.md §B): querystring as a string, headers as arrays, the S3 origin with its custom headers. */
function originRequestEvent(request: AWSCloudFrontFunction.Request, clientIp: string, role: OriginRole, bucketDomain: string): CloudFrontRequestEvent {
  const names = Object.keys(request.querystring).sort();
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'local.cloudfront.net', distributionId: 'LOCAL', eventType: 'origin-request', requestId: randomUUID() },
          request: {
            clientIp,
            method: request.method,
            uri: request.uri,
            querystring: names.map((name) => `${name}=${request.querystring[name]?.value ?? ''}`).join('&'),
            headers: { host: [{ key: 'Host', value: bucketDomain }] },
            origin: {
              s3: {
                authMethod: 'none',
                customHeaders: { [ORIGIN_ROLE_HEADER]: [{ key: ORIGIN_ROLE_HEADER, value: role }] },
                domainName: bucketDomain,
                path: '',
              },
            },
          },
        },
      },
    ],
  };
}

function generatedResponse(result: CloudFrontResultResponse): EdgeResponse {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(result.headers ?? {})) headers[name] = values.map((v) => v.value).join(', ');
  const body = Buffer.from(result.body ?? '', result.bodyEncoding === 'base64' ? 'base64' : 'utf8');
  return { status: Number(result.status), headers, body };
}

function functionResponse(result: AWSCloudFrontFunction.Response): EdgeResponse {
  const headers: Record<string, string> = {};
  for (const [name, { value }] of Object.entries(result.headers ?? {})) headers[name] = value;
  const raw = result.body;
  const body = raw === undefined ? Buffer.alloc(0) : typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.data, raw.encoding === 'base64' ? 'base64' : 'utf8');
  return { status: result.statusCode, headers, body };
}

function withCacheStatus(response: EdgeResponse, status: string): EdgeResponse {
  return { ...response, headers: { ...response.headers, 'x-cache': `${status} from cloudfront` } };
}

function maxAgeMs(cacheControl: string | undefined): number {
  if (!cacheControl || /no-store|no-cache|private/.test(cacheControl)) return 0;
  const match = /(?:s-maxage|max-age)=(\d+)/.exec(cacheControl);
  return match ? Math.min(Number(match[1]) * 1000, MAX_TTL_MS) : 0;
}
