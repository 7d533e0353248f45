/// <reference types="aws-cloudfront-function" />
/**
 * The viewer-request CloudFront Function (runtime cloudfront-js-2.0).
 *
 * Runs on every request, hit or miss, before the cache lookup. It turns a
 * viewer's URL into the one canonical cache key the image contract defines,
 * or answers at once:
 *
 *   1. tenant    first URI segment → KeyValueStore `t:{tenant}`; missing → 404
 *   2. parse     the contract's parseImageRequest; any problem → 400 + reason
 *   3. freshness the original's slot `s:{slot}` (contract freshness.ts): its entry
 *                DENIED → 451, the request never reaches the cache; a generation
 *                token → `v={token}` in the cache key, so a replaced original's
 *                variants have new cache keys the moment the entry is read
 *   4. signature the tenant's signing mode (TenantConfig.signing) → 403 unless
 *                hmac: kid/exp/sig verified against `k:{tenant}:{kid}`;
 *                key-group: `p:{Key-Pair-Id}` names this tenant (CloudFront
 *                itself checked the RSA signature against the behavior's key group)
 *   5. rewrite   uri and querystring become exactly the canonical key (and `v`), so
 *                no signature param ever reaches the cache key
 *
 * Built by edge/viewer/build.ts into dist/edge/viewer-request.js, which must
 * stay within what the 2.0 runtime documents (no destructuring, no shorthand
 * properties, no default arguments, no classes, no for-of, no Map/Set; async
 * only on top-level function declarations). The build enforces the syntax.
 */
import cf from 'cloudfront';
import crypto from 'crypto';
import {
  atGeneration,
  cacheKeyQuery,
  canonicalUri,
  constantTimeEqual,
  DENIED,
  freshnessAddress,
  isTenantName,
  KEY_ID,
  keyPairTenantKey,
  MIN_SECRET_LENGTH,
  originalKey,
  parseImageRequest,
  readToken,
  requestedParams,
  SIGNATURE_INVALID,
  SIGNATURE_REQUIRED,
  signingSecretKey,
  signingString,
  singleParam,
  slotEntry,
  tenantConfigKey,
  parseOptions,
  type ImageRequest,
  type QueryPairs,
  type RequestedParams,
  type TenantConfig,
} from '../../core/contract/index.ts';

type Request = AWSCloudFrontFunction.Request;
type Response = AWSCloudFrontFunction.Response;
type ValueObject = AWSCloudFrontFunction.ValueObject;

/**
 * Browser caching of the answers this function generates itself. CloudFront
 * never caches a viewer-request response (the function runs before the cache),
 * so these only steer clients and proxies.
 */
const CACHE_BAD_REQUEST = 'public, max-age=3600'; // a 400 is a pure function of the URL
const CACHE_UNKNOWN_TENANT = 'public, max-age=60'; // a tenant may be created any minute
const CACHE_NEVER = 'no-store'; // takedowns, refusals and outages must not linger anywhere

function textResponse(statusCode: number, statusDescription: string, cacheControl: string, body: string): Response {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: cacheControl },
    },
    // Runtime 2.0 accepts the body as a plain string (treated as text) or as {data, encoding}.
    body: body,
  };
}

const UNKNOWN_TENANT = textResponse(404, 'Not Found', CACHE_UNKNOWN_TENANT, 'unknown tenant');
const TAKEN_DOWN = textResponse(451, 'Unavailable For Legal Reasons', CACHE_NEVER, 'unavailable for legal reasons');
/** Anything unexpected (a KeyValueStore outage included) fails closed: nothing is served. */
const UNAVAILABLE = textResponse(503, 'Service Unavailable', CACHE_NEVER, 'temporarily unavailable');

async function handler(event: AWSCloudFrontFunction.Event): Promise<Request | Response> {
  try {
    return await route(event.request);
  } catch (err) {
    // A throw would surface as CloudFront's own 503; answer it ourselves instead.
    console.log(`viewer-request failed: ${String(err)}`);
    return UNAVAILABLE;
  }
}

async function route(request: Request): Promise<Request | Response> {
  const kvs = cf.kvs();

  // 1. The tenant must exist. An invalid name skips the store and fails in parse (400).
  const slash = request.uri.indexOf('/', 1);
  const tenant = slash > 0 ? request.uri.slice(1, slash) : '';
  let config: TenantConfig | null = null;
  if (isTenantName(tenant)) {
    try {
      config = (await kvs.get(tenantConfigKey(tenant), { format: 'json' })) as TenantConfig | null;
    } catch {
      // get() throws for a missing key (and for a value that is not JSON): no such tenant.
      return UNKNOWN_TENANT;
    }
  }
  // Writers validate configs (tenantConfigProblem); a bad ladder, ratio or quality list read back fails
  // closed (parseOptions), a bad signing mode refuses every request (step 4).

  // 2. Parse once; the contract decides everything about the URL.
  const pairs = eventQueryPairs(request.querystring);
  const parsed = parseImageRequest(request.uri, pairs, parseOptions(config, headerValue(request.headers, 'accept')));
  if (!parsed.ok) return textResponse(400, 'Bad Request', CACHE_BAD_REQUEST, parsed.reason);
  const requested = parsed.request;

  // 3. Taken down: answer before the cache, whatever the variant. Every slot exists, so get() throwing
  //    is an outage and fails closed (503, by handler).
  const address = freshnessAddress(crypto.createHash('sha256').update(originalKey(requested)).digest('hex'));
  const slot = (await kvs.get(address.slotKey)) as string;
  const token = slotEntry(slot, address.id);
  if (token === DENIED) return TAKEN_DOWN;
  // The store's generation, never the viewer's `v`.
  const image = atGeneration(requested, token);

  // 4. Signatures, bound to the tenant (docs/design.md step 3). Any mode but the two known fails closed.
  if (config && config.signing !== undefined) {
    const refusal = await signatureRefusal(kvs, config.signing, image, pairs);
    if (refusal) return textResponse(403, 'Forbidden', CACHE_NEVER, refusal);
  }

  // 5. The cache key: canonical path, exactly the canonical params and the generation. Headers and
  //    cookies stay as they are; the cache policy keys on URI + CACHE_KEY_PARAMS only.
  request.uri = canonicalUri(image);
  request.querystring = toValueObject(cacheKeyQuery(image));
  return request;
}

type Store = ReturnType<typeof cf.kvs>;

/**
 * Why a signed request is refused, or undefined when it is signed for this tenant.
 * hmac: `sig` must be the HMAC of the canonical request under the tenant's secret of `kid`.
 * key-group: the Key-Pair-Id CloudFront verified must be one of this tenant's keys.
 */
async function signatureRefusal(kvs: Store, signing: string, image: ImageRequest, pairs: QueryPairs): Promise<string | undefined> {
  if (signing === 'hmac') {
    const token = readToken(pairs, Math.floor(Date.now() / 1000));
    if (typeof token === 'string') return token;
    const secret = await stored(kvs, signingSecretKey(image.tenant, token.kid));
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) return SIGNATURE_INVALID;
    // The parse succeeded, so the requested params do too.
    const message = signingString(image, requestedParams(pairs) as RequestedParams, token.kid, token.exp);
    return constantTimeEqual(crypto.createHmac('sha256', secret).update(message).digest('base64url'), token.sig) ? undefined : SIGNATURE_INVALID;
  }
  if (signing === 'key-group') {
    // CloudFront verified the signature: a URI this function reads as tenant t starts with
    // `/t/`, so it matched t's own behavior `/t/*` and its trusted key group.
    const keyPairId = singleParam(pairs, 'Key-Pair-Id');
    if (keyPairId === undefined) return SIGNATURE_REQUIRED;
    if (KEY_ID.test(keyPairId) && (await stored(kvs, keyPairTenantKey(keyPairId))) === image.tenant) return undefined;
  }
  return SIGNATURE_INVALID;
}

/**
 * A string value, or undefined for a key that is not there (an unknown, revoked or
 * other tenant's key id) and for a store that fails: a signature check fails closed on both.
 */
async function stored(kvs: Store, key: string): Promise<string | undefined> {
  try {
    return (await kvs.get(key)) as string;
  } catch {
    return undefined;
  }
}

/**
 * The event's query object as the contract's pairs, in arrival order and still
 * percent-encoded (CloudFront hands functions the viewer's spelling). Every
 * multiValue entry becomes a pair, so a repeated parameter is seen as a duplicate.
 */
function eventQueryPairs(querystring: ValueObject): QueryPairs {
  const pairs: Array<readonly [string, string]> = [];
  let name: string;
  for (name in querystring) {
    const field = querystring[name];
    if (field === undefined) continue;
    const values = field.multiValue;
    if (values && values.length > 0) {
      for (let i = 0; i < values.length; i++) pairs.push([name, (values[i] as { value: string }).value]);
    } else {
      pairs.push([name, field.value]);
    }
  }
  return pairs;
}

/** A header's value; repeated headers are joined as one comma-separated list (RFC 9110 §5.3). */
function headerValue(headers: ValueObject, name: string): string | undefined {
  const field = headers[name];
  if (field === undefined) return undefined;
  const values = field.multiValue;
  if (!values || values.length === 0) return field.value;
  return values.map((v) => v.value).join(',');
}

/** `fmt=webp&q=75&w=640` → `{fmt: {value: 'webp'}, q: {value: '75'}, w: {value: '640'}}`, order kept. */
function toValueObject(query: string): ValueObject {
  const out: ValueObject = {};
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    out[part.slice(0, eq)] = { value: part.slice(eq + 1) };
  }
  return out;
}

export { handler };
