/**
 * The one signer of imgedge image URLs, for tenants whose config requires
 * signing. `npm run sign` (tools/signer/cli.ts) and `npm run imgedge -- sign`
 * (tools/cli/) both call it. Stable exports — keep their shape:
 *
 *   signUrl({ url, tenant, ttlSeconds, key, now? }): string
 *     url         absolute http(s) image URL: https://img.example.com/{tenant}/{path}.{ext}?w=…
 *                 (signature params already on it are replaced)
 *     tenant      the tenant the key belongs to; must be the URL's tenant
 *     ttlSeconds  whole seconds, 1 … MAX_SIGNED_URL_TTL_SECONDS
 *     key         SigningKey:
 *                   { mode: 'hmac', kid, secret }   → appends kid, exp, sig (checked by the viewer function)
 *                   { mode: 'key-group', keyPairId, privateKey, policy?: 'canned' | 'custom', ipAddress? }
 *                                                   → a CloudFront signed URL (@aws-sdk/cloudfront-signer);
 *                                                     custom adds a start time (now) and an optional CIDR
 *     now         the signing time (default: the clock)
 *     returns the signed URL; throws SigningError, whose message is for the user, when it cannot sign.
 *   generateHmacSecret(): string   a new secret for the KeyValueStore key k:{tenant}:{kid}
 *   DEFAULT_TTL_SECONDS, MAX_SIGNED_URL_TTL_SECONDS
 *
 * HMAC signatures are computed over core/contract's signingString, the same
 * canonical request the viewer function recomputes: nothing is canonicalized here.
 */
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { createHmac, randomBytes } from 'node:crypto';
import {
  KEY_ID,
  MAX_SIGNED_URL_TTL_SECONDS,
  MIN_SECRET_LENGTH,
  parseImageRequest,
  queryPairs,
  requestedParams,
  SIGNED_URL_PARAMS,
  signingString,
  TOKEN_PARAMS,
  type RequestedParams,
} from '../contract/index.ts';

/** What a custom policy's AWS:SourceIp may be here: an IPv4 address or CIDR block. */
const IPV4_CIDR = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}(\/([0-9]|[12][0-9]|3[0-2]))?$/;

export { MAX_SIGNED_URL_TTL_SECONDS };

/** What `npm run sign` uses without --ttl. */
export const DEFAULT_TTL_SECONDS = 3600;

export type SigningKey =
  | { readonly mode: 'hmac'; readonly kid: string; readonly secret: string }
  | {
      readonly mode: 'key-group';
      readonly keyPairId: string;
      /** PEM (PKCS#1 or PKCS#8) RSA private key of a public key in the tenant's key group. */
      readonly privateKey: string;
      /** canned (default): expiry only. custom: also valid-from now and, with ipAddress, one client CIDR. */
      readonly policy?: 'canned' | 'custom';
      readonly ipAddress?: string;
    };

export interface SignUrlRequest {
  readonly url: string;
  readonly tenant: string;
  readonly ttlSeconds: number;
  readonly key: SigningKey;
  readonly now?: Date;
}

/** A URL, tenant, ttl or key that cannot sign; the message says which and why. */
export class SigningError extends Error {
  override readonly name = 'SigningError';
}

/** 32 random bytes, base64url: 43 characters, above the viewer function's MIN_SECRET_LENGTH. */
export function generateHmacSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function signUrl(request: SignUrlRequest): string {
  const signed = signedUrl(request);
  // The signature params count toward the viewer's query limits too: a URL that only just fit unsigned may not.
  const { path, pairs } = imageUrl(signed, []);
  const viewed = parseImageRequest(path, pairs);
  if (!viewed.ok) throw new SigningError(`signed, the URL would be refused by the edge: ${viewed.reason}`);
  return signed;
}

function signedUrl(request: SignUrlRequest): string {
  const { tenant, ttlSeconds, key } = request;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_SIGNED_URL_TTL_SECONDS) {
    throw new SigningError(`ttl must be a whole number of seconds from 1 to ${MAX_SIGNED_URL_TTL_SECONDS} (${MAX_SIGNED_URL_TTL_SECONDS / 86_400} days)`);
  }
  const base = imageUrl(request.url, key.mode === 'hmac' ? TOKEN_PARAMS : SIGNED_URL_PARAMS);
  const parsed = parseImageRequest(base.path, base.pairs);
  if (!parsed.ok) throw new SigningError(`not an image URL: ${parsed.reason}`);
  if (parsed.request.tenant !== tenant) throw new SigningError(`the URL is for tenant ${parsed.request.tenant}, not ${tenant}`);
  const nowSeconds = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const expires = nowSeconds + ttlSeconds;

  if (key.mode === 'hmac') {
    if (!KEY_ID.test(key.kid)) throw new SigningError(`kid must match ${KEY_ID.source}`);
    if (key.secret.length < MIN_SECRET_LENGTH) throw new SigningError(`the secret must be at least ${MIN_SECRET_LENGTH} characters`);
    // The parse succeeded, so the requested params do too.
    const requested = requestedParams(base.pairs) as RequestedParams;
    const sig = createHmac('sha256', key.secret).update(signingString(parsed.request, requested, key.kid, expires)).digest('base64url');
    return `${base.href}${base.query ? '&' : '?'}kid=${key.kid}&exp=${expires}&sig=${sig}`;
  }

  if (!KEY_ID.test(key.keyPairId)) throw new SigningError(`Key-Pair-Id must match ${KEY_ID.source}`);
  if (key.ipAddress !== undefined && key.policy !== 'custom') throw new SigningError('an IP address needs the custom policy');
  if (key.ipAddress !== undefined && !IPV4_CIDR.test(key.ipAddress)) {
    // The distribution serves IPv6 too, and CloudFront compares an IPv6 viewer with an IPv4 range as a mismatch.
    throw new SigningError(`the IP address must be an IPv4 address or CIDR such as 203.0.113.0/24, not ${key.ipAddress}; an IPv6 viewer never matches one, so bind URLs to an IP only for IPv4-only clients`);
  }
  const credentials = { url: base.href, keyPairId: key.keyPairId, privateKey: key.privateKey, dateLessThan: new Date(expires * 1000) };
  try {
    if (key.policy !== 'custom') return getSignedUrl(credentials);
    const custom = { ...credentials, dateGreaterThan: new Date(nowSeconds * 1000) };
    return getSignedUrl(key.ipAddress === undefined ? custom : { ...custom, ipAddress: key.ipAddress });
  } catch (err) {
    throw new SigningError(`cannot sign with this key: ${(err as Error).message}`);
  }
}

/** The URL without `dropped` params: its href (origin, path, query), path and query pairs as written. */
function imageUrl(url: string, dropped: readonly string[]): { href: string; path: string; query: string; pairs: ReturnType<typeof queryPairs> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SigningError(`not an absolute URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new SigningError('the URL must be http or https');
  const pairs = queryPairs(parsed.search.slice(1)).filter((pair) => !dropped.includes(pair[0]));
  const query = pairs.map(([name, value]) => `${name}=${value}`).join('&');
  return { href: `${parsed.origin}${parsed.pathname}${query ? `?${query}` : ''}`, path: parsed.pathname, query, pairs };
}
