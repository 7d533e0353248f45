/**
 * The headers CloudFront adds to every answer of the image behavior (its response headers
 * policy): the CDK stack deploys them (infra/aws/stacks/delivery.ts) and the local CloudFront
 * applies them (infra/local/cloudfront.ts), both from this one definition. They
 * reach browsers and proxies, never the cache: a response headers policy changes what
 * CloudFront sends viewers, from the cache or the origin alike (docs/aws-limits.md §C,
 * "Response headers policy").
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

export interface PolicyHeader {
  readonly value: string;
  /**
   * The policy's `Override` for this header: when the origin's answer has a header of this
   * name, true sends the policy's value instead, false keeps the origin's. Without one, the
   * policy's value is added either way.
   */
  readonly override: boolean;
}

/**
 * Name → the policy's header, lower-case names as CloudFront's events spell them. Every one
 * overrides: a variant's security headers and its Vary are ours to say, whatever an object's
 * metadata or an error page carries.
 */
export const RESPONSE_HEADERS = {
  'strict-transport-security': { value: `max-age=${HSTS_MAX_AGE_SECONDS}`, override: true },
  'x-content-type-options': { value: 'nosniff', override: true },
  'x-frame-options': { value: 'SAMEORIGIN', override: true },
  'referrer-policy': { value: 'strict-origin-when-cross-origin', override: true },
  vary: { value: VARY, override: true },
} as const satisfies Readonly<Record<string, PolicyHeader>>;
