/**
 * The headers CloudFront adds to every answer of the image behavior (its response headers
 * policy), the local CloudFront too. They reach browsers and proxies, never the cache:
 * a response headers policy changes what CloudFront sends viewers, from the cache or the
 * origin alike (docs/aws-limits.md §C, "Response headers policy").
 */

/** Strict-Transport-Security, a year, as CloudFront's managed SecurityHeadersPolicy sets it. */
export const HSTS_MAX_AGE_SECONDS = 31536000;

/**
 * `fmt=auto` (the default) answers AVIF, WebP or JPEG on one URL by the viewer's Accept:
 * a shared cache in front of the viewer must key on Accept too. Said on every answer,
 * explicit `fmt` included: the bytes of one canonical key are the same for every
 * Accept, so the header costs such a URL only a proxy's duplicate copies.
 */
export const VARY = 'Accept';

/** name → value, lower-case names as CloudFront's events spell them. */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'strict-origin-when-cross-origin',
  vary: VARY,
};
