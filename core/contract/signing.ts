/**
 * Tenant-bound request signing, the parts the viewer function and the signer
 * (core/signing/index.ts) share. The viewer function bundles this file:
 * plain code, no Node APIs; each side brings its own HMAC (the runtime's
 * `crypto` module or node:crypto, documented as identical).
 *
 * Mode `hmac`: `kid`, `exp`, `sig` query params, where
 *   sig = base64url(HMAC-SHA256(secret of kid, signingString(...)))
 * over the canonical path and the requested params (requestedParams), so the
 * order of params, junk params and percent-encoding spellings do not matter,
 * and no param that changes the variant can be added to a signed URL.
 *
 * Why plain HMAC-SHA256 and not the runtime's CWT helper (cf.cwt, COSE MAC0
 * HS256): the same primitive, but a CBOR token needs a COSE encoder on the
 * signing side, a custom claim to carry the canonical request, and a helper no
 * local runtime or njs can run, so nothing here could test it. createHmac is
 * documented since runtime 1.0 with Node's semantics, and njs has it too.
 *
 * Mode `key-group`: CloudFront checks the signature; the viewer function
 * checks that the Key-Pair-Id belongs to the tenant (kvs.ts keyPairTenantKey).
 */
import type { QueryPairs, RequestedParams } from './image-request.ts';
import { canonicalUri, requestedQuery } from './image-request.ts';

/** The HMAC token's params. They never reach the cache key (only ALLOWED_PARAMS do). */
export const TOKEN_PARAMS = ['kid', 'exp', 'sig'] as const;

/** CloudFront's signed-URL params (CloudFront reserves these names); never in the cache key either. */
export const SIGNED_URL_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'] as const;

/**
 * How far the signer's clock may be off from CloudFront's: a token is still
 * accepted this long after `exp`, and `exp` may lie this much beyond the
 * longest lifetime. Edge clocks are NTP-synced; a minute covers a drifting
 * signer without stretching a short-lived URL much.
 */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * Longest lifetime of a signed URL. It is a bearer capability that only
 * revoking its kid ends, so a week (pages cached for days keep working) and
 * no longer.
 */
export const MAX_SIGNED_URL_TTL_SECONDS = 7 * 24 * 3600;

/** Key ids (`kid`, Key-Pair-Id): short, URL-safe as they stand, and they fit a KeyValueStore key. */
export const MAX_KEY_ID_LENGTH = 32;
// Literals, not built from the constants: the viewer function is counted in bytes (signing.test.ts checks they agree).
export const KEY_ID = /^[\w-]{1,32}$/;

/** base64url of a 32-byte HMAC-SHA256, unpadded. Anything shorter is truncated, anything longer forged. */
export const SIGNATURE_LENGTH = 43;
export const SIGNATURE = /^[\w-]{43}$/;

/** Unix seconds; 10 digits reach the year 2286. */
const EXPIRY = /^[0-9]{1,10}$/;

/** Shortest secret the viewer function uses: 32 characters (core/signing makes 43 from 32 random bytes). */
export const MIN_SECRET_LENGTH = 32;

/** Why a request is refused (403); the body a client sees. */
export const SIGNATURE_REQUIRED = 'signature required';
export const SIGNATURE_EXPIRED = 'signature expired';
export const SIGNATURE_INVALID = 'signature invalid';

export interface HmacToken {
  readonly kid: string;
  readonly exp: number;
  readonly sig: string;
}

/** The value of a param present exactly once; undefined when absent or repeated. */
export function singleParam(query: QueryPairs, name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const pair = query[i] as readonly [string, string];
    if (pair[0] !== name) continue;
    if (value !== undefined) return undefined;
    value = pair[1];
  }
  return value;
}

/** The token of a query if it could be valid at `nowSeconds`, else the refusal. Says nothing yet about `sig`. */
export function readToken(query: QueryPairs, nowSeconds: number): HmacToken | string {
  const kid = singleParam(query, 'kid');
  const exp = singleParam(query, 'exp');
  const sig = singleParam(query, 'sig');
  if (kid === undefined || exp === undefined || sig === undefined) return SIGNATURE_REQUIRED;
  if (!KEY_ID.test(kid) || !EXPIRY.test(exp) || !SIGNATURE.test(sig)) return SIGNATURE_INVALID;
  const expiry = Number(exp);
  if (expiry + CLOCK_SKEW_SECONDS < nowSeconds) return SIGNATURE_EXPIRED;
  if (expiry > nowSeconds + MAX_SIGNED_URL_TTL_SECONDS + CLOCK_SKEW_SECONDS) return SIGNATURE_INVALID;
  return { kid: kid, exp: expiry, sig: sig };
}

/**
 * What `sig` is the HMAC of: the key id, the expiry and the canonical request,
 * one per line (none of them can hold a newline).
 */
export function signingString(image: { readonly tenant: string; readonly path: string }, requested: RequestedParams, kid: string, exp: number): string {
  return `${kid}\n${exp}\n${canonicalUri(image)}?${requestedQuery(requested)}`;
}

/** Equal strings, in time that depends on their length only (the runtime has no timingSafeEqual). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
