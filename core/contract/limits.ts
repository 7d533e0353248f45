/**
 * Every limit of the image contract, in one place. The viewer function bundles
 * this file, so keep it to plain constants.
 */

/** Widest/tallest output we ever produce. 4096 covers 4K displays at 1x and keeps an RGBA frame at 64 MiB. */
export const MAX_OUTPUT_DIMENSION = 4096;

/**
 * Default width ladder: requested w and h snap *up* to the next rung, so a
 * thousand slightly different sizes share a handful of cache entries.
 * Rungs follow common device widths (the same spread Next.js ships as its
 * deviceSizes + imageSizes), topped by MAX_OUTPUT_DIMENSION's neighbour.
 */
export const DEFAULT_LADDER: readonly number[] = [
  64, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840,
];

/**
 * The widths pre-rendered on upload: thumbnail, phone, laptop and full-HD
 * layouts. Each snaps up to the tenant's ladder like a viewer's `w` does, so
 * every planned variant is one a request can hit.
 */
export const STANDARD_WIDTHS: readonly number[] = [256, 640, 1080, 1920];

/** A tenant's own ladder may hold at most this many rungs (it travels in a 1 KB KeyValueStore value). */
export const MAX_LADDER_RUNGS = 24;

/** Quality steps a requested q snaps up to; keeps q from multiplying the key space by 100. */
export const QUALITY_STEPS: readonly number[] = [40, 60, 75, 85, 95];
export const DEFAULT_QUALITY = 75;

/** A JPEG `contain`'s padding when the tenant names none, and the background every JPEG without one flattens transparency onto (`rrggbb`). */
export const DEFAULT_BACKGROUND = 'ffffff';

/**
 * Device pixel ratios a requested `dpr` snaps up to (a 2.625 phone gets 3). It multiplies w and h
 * before they snap to the ladder, so it adds no cache-key dimension: `w=320&dpr=2` is `w=640`.
 */
export const DPR_STEPS: readonly number[] = [1, 1.5, 2, 3];

/** A tenant may hold h to at most this many aspect ratios (`W:H`, each term 1..MAX_RATIO_TERM). */
export const MAX_ASPECT_RATIOS = 8;
export const MAX_RATIO_TERM = 32;

/**
 * The most cache keys (so renders, and variant objects) one original can have at one generation
 * under any tenant's policy: the default policy's, where of 13 widths (absent included) × 13
 * heights the 144 with both sides take each of the 4 fits: (25 + 144 × 4) × (3 lossy formats ×
 * 5 qualities + lossless PNG) = 9,616 (key-space.ts). A tenant config that would allow more is
 * refused: a ladder longer than the default gives up heights, qualities or fits.
 */
export const MAX_KEYS_PER_ORIGINAL = 9616;

/** Tenants are `[a-z0-9-]{1,32}` (docs/design.md contract). */
export const MAX_TENANT_LENGTH = 32;

/**
 * Longest original key (`tenant/path.ext`, decoded), in UTF-8 bytes. A variant's
 * key adds its name below it (`/w1920_h1080_q75.avif`), and S3's key limit is
 * 1,024 bytes; 500 also keeps every canonical URI well inside CloudFront's URL limit.
 */
export const MAX_ORIGINAL_KEY_LENGTH = 500;

/**
 * Longest raw URI we decode: the longest key with every byte percent-encoded.
 * Nothing longer can decode to a key that fits, so it is refused unread; and
 * every accepted key's canonical URI fits too, which keeps parsing idempotent.
 */
export const MAX_URI_LENGTH = 1 + 3 * MAX_ORIGINAL_KEY_LENGTH;

/** Longest raw query string we look at; CloudFront itself stops at 8,192 for the whole URL. */
export const MAX_QUERY_LENGTH = 2048;

/** Most query parameters (all names, junk included) a request may carry. */
export const MAX_QUERY_PARAMS = 40;

/** A numeric parameter longer than this is clamped without being parsed (avoids huge-number edge cases). */
export const MAX_NUMBER_DIGITS = 6;

/**
 * The longest the edge keeps a variant: its `s-maxage`, and the cache policy's
 * maximum TTL, which caps whatever an object's own Cache-Control says. A freshness
 * entry (freshness.ts) outlives it, so removing the entry never brings back a
 * cached object of an earlier upload.
 */
export const EDGE_MAX_AGE_SECONDS = 86400;

/**
 * How long past its TTL the edge may still answer a variant when the origin fails
 * (`stale-if-error`). Without the directive CloudFront answers an expired object on
 * an origin 5xx for as long as it holds it (docs/aws-limits.md §C, "Stale on error"),
 * which no freshness window could outlast.
 */
export const STALE_IF_ERROR_SECONDS = 3600;

/**
 * How long a browser or proxy reuses a variant without asking again (`max-age`):
 * the longest a client that saw a replaced image keeps showing it. Its URL does not
 * change when the original does; the edge's cache key does.
 */
export const BROWSER_MAX_AGE_SECONDS = 300;
