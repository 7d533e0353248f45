/**
 * Signing image URLs with WebCrypto, in a browser, a worker or Node alike, for the two modes a
 * tenant's config may require (core/contract/kvs.ts SIGNING_MODES): `hmac`, the token the viewer
 * function checks over the contract's canonical request, and `key-group`, a CloudFront signed URL
 * with a canned policy. The same URLs as core/signing (node:crypto and @aws-sdk/cloudfront-signer),
 * which client.test.ts checks. Keep secrets and private keys on a server: whoever holds one
 * can sign any URL of the tenant.
 */
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
  type ImageRequest,
  type QueryPairs,
  type RequestedParams,
} from '../core/contract/index.ts';

/** Signs one image URL; rejects with the reason when it cannot. */
export type UrlSigner = (url: string) => Promise<string>;

interface Lifetime {
  /** Whole seconds, 1 … MAX_SIGNED_URL_TTL_SECONDS (7 days). */
  readonly ttlSeconds: number;
  /** The signing time; the clock when omitted. */
  readonly now?: () => Date;
}

/** `kid`, `exp` and `sig` (base64url HMAC-SHA256 of the canonical request) for an hmac tenant's secret of that kid. */
export function hmacSigner(key: Lifetime & { readonly kid: string; readonly secret: string }): UrlSigner {
  if (!KEY_ID.test(key.kid)) throw new Error(`kid must match ${KEY_ID.source}`);
  if (key.secret.length < MIN_SECRET_LENGTH) throw new Error(`the secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const secret = crypto.subtle.importKey('raw', new TextEncoder().encode(key.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return async (url) => {
    const { image, pairs, base } = imageOf(url, TOKEN_PARAMS);
    const exp = expiry(key);
    // The URL parsed, so its requested params do too.
    const requested = requestedParams(pairs) as RequestedParams;
    const mac = await crypto.subtle.sign('HMAC', await secret, new TextEncoder().encode(signingString(image, requested, key.kid, exp)));
    return checked(`${base}${pairs.length > 0 ? '&' : '?'}kid=${key.kid}&exp=${exp}&sig=${base64(mac).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`);
  };
}

/**
 * `Expires`, `Signature` and `Key-Pair-Id` of a CloudFront canned policy, signed with RSA-SHA1 by the
 * private key (PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`) of a public key in the tenant's key group.
 */
export function keyGroupSigner(key: Lifetime & { readonly keyPairId: string; readonly privateKey: string }): UrlSigner {
  if (!KEY_ID.test(key.keyPairId)) throw new Error(`Key-Pair-Id must match ${KEY_ID.source}`);
  const pem = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(key.privateKey);
  if (!pem) throw new Error('the private key must be PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert a PKCS#1 key with `openssl pkcs8 -topk8 -nocrypt`');
  const der = Uint8Array.from(atob((pem[1] as string).replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  const privateKey = crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['sign']);
  return async (url) => {
    const { base, pairs } = imageOf(url, SIGNED_URL_PARAMS);
    const exp = expiry(key);
    const policy = JSON.stringify({ Statement: [{ Resource: base, Condition: { DateLessThan: { 'AWS:EpochTime': exp } } }] });
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await privateKey, new TextEncoder().encode(policy));
    // CloudFront's URL-safe base64: + → -, = → _, / → ~.
    const safe = base64(signature).replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
    return checked(`${base}${pairs.length > 0 ? '&' : '?'}Expires=${exp}&Key-Pair-Id=${key.keyPairId}&Signature=${safe}`);
  };
}

/**
 * An image URL as it is signed: origin, path and its query without the mode's signature params
 * it had (`dropped`), as core/signing drops them, and what the contract reads of it. Equal to
 * core/signing's for URLs as imageUrl (url.ts) spells them; for key-group, @aws-sdk's signer also
 * re-encodes some characters (raw `@ , +` in the path, lower-case escapes such as `%c3`), which
 * these keep as written: both signatures are valid, over different spellings.
 */
function imageOf(url: string, dropped: readonly string[]): { image: Pick<ImageRequest, 'tenant' | 'path'>; pairs: QueryPairs; base: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not an absolute URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('the URL must be http or https');
  const pairs = queryPairs(parsed.search.slice(1)).filter((pair) => !dropped.includes(pair[0]));
  const image = parseImageRequest(parsed.pathname, pairs);
  if (!image.ok) throw new Error(`not an image URL: ${image.reason}`);
  const query = pairs.map((pair) => `${pair[0]}=${pair[1]}`).join('&');
  return { image: image.request, pairs, base: `${parsed.origin}${parsed.pathname}${query ? `?${query}` : ''}` };
}

/** The signed URL, when the edge would still take it: its signature params count toward the query's limits too. */
function checked(signed: string): string {
  const parsed = new URL(signed);
  const viewed = parseImageRequest(parsed.pathname, queryPairs(parsed.search.slice(1)));
  if (!viewed.ok) throw new Error(`signed, the URL would be refused by the edge: ${viewed.reason}`);
  return signed;
}

function expiry(lifetime: Lifetime): number {
  if (!Number.isInteger(lifetime.ttlSeconds) || lifetime.ttlSeconds < 1 || lifetime.ttlSeconds > MAX_SIGNED_URL_TTL_SECONDS) {
    throw new Error(`ttl must be a whole number of seconds from 1 to ${MAX_SIGNED_URL_TTL_SECONDS}`);
  }
  return Math.floor((lifetime.now ?? (() => new Date()))().getTime() / 1000) + lifetime.ttlSeconds;
}

const base64 = (bytes: ArrayBuffer): string => btoa(String.fromCharCode(...new Uint8Array(bytes)));
