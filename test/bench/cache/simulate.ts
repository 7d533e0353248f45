/**
 * Replays a trace through CloudFront's two cache tiers: a bounded LRU per
 * edge location, and one Origin Shield LRU behind all of them. Only the key
 * differs between modes:
 *
 * - `raw`: a cache policy forwarding all query strings. The key is the path
 *   plus the query exactly as sent (CloudFront keeps the viewer's order and
 *   case), Accept is not in it, so `fmt=auto` or no fmt cannot negotiate.
 * - `normalized`: the viewer function's rewrite, i.e. the image contract's
 *   canonical URI and query under the default ladder.
 *
 * Not modelled: TTLs and invalidations (the trace has no clock, so entries
 * only leave by eviction), request collapsing, and other distributions
 * competing for the same edge caches (fold that into the capacity you pass).
 */
import { LRUCache } from 'lru-cache';
import { canonicalQuery, canonicalUri, DEFAULT_LADDER, type ImageRequest, type OutputFormat, parseImageRequest, queryPairs, standardVariants, variantKey, type VariantParams } from '../../../core/index.ts';
import type { TraceRequest } from './trace.ts';

export type KeyMode = 'raw' | 'normalized';

/**
 * An LRU bound: entry count, or bytes of estimated variant sizes
 * (estimateVariantBytes). lru-cache preallocates `entries` slots per cache,
 * so bound large caches by bytes.
 */
export type Capacity = { readonly entries: number } | { readonly bytes: number };

export interface SimulateOptions {
  readonly keyMode: KeyMode;
  /** Bound of each edge location's cache. */
  readonly edge: Capacity;
  /** Bound of the single Origin Shield cache. */
  readonly shield: Capacity;
  /**
   * Leading requests that fill the caches without being counted, to measure a
   * warm distribution rather than a cold start. Default 0.
   */
  readonly warmup?: number;
  /** The trace's tenants all use the default ladder. */
  readonly ladder?: readonly number[];
}

export interface SimulationResult {
  readonly keyMode: KeyMode;
  /** Requests counted (after the warm-up). */
  readonly requests: number;
  /** Answered 400 by the viewer function, before any cache (normalized mode only: raw has no viewer function). */
  readonly rejected: number;
  /** Requests that reached the edge cache: requests − rejected. */
  readonly lookups: number;
  /** Distinct cache keys among the counted requests. */
  readonly distinctKeys: number;
  readonly edgeHits: number;
  /** edgeHits / lookups. Like CloudFront's CacheHitRate, requests the function answers do not count. */
  readonly edgeHitRatio: number;
  readonly shieldHits: number;
  /** shieldHits / edge misses. */
  readonly shieldHitRatio: number;
  /** Shield misses: each reads the stored variant from the variants bucket, or renders it. */
  readonly originFetches: number;
  /**
   * Origin fetches that render: the variants bucket keeps every render and
   * holds the standard variants the pipeline pre-rendered on upload, so only
   * the first fetch of any other variant renders.
   */
  readonly renders: number;
  /** Lookups served without the origin: 1 − originFetches / lookups. */
  readonly combinedHitRatio: number;
}

export interface CacheEntry {
  readonly key: string;
  readonly bytes: number;
  /** One of the standard variants pre-rendered on upload (normalized mode: the raw origin knows no ladder). */
  readonly prerendered: boolean;
}

/**
 * Bytes per output pixel at the default quality for photographic content:
 * JPEG q75 ≈ 1.6 bits/px, WebP ≈ 30% and AVIF ≈ 50% smaller, PNG (graphics
 * sources) several times larger. q is ignored: it moves size less than format does.
 */
const BYTES_PER_PIXEL: Readonly<Record<OutputFormat, number>> = { jpeg: 0.2, webp: 0.14, avif: 0.1, png: 0.6 };
/** A typical original (3000 × 2000, 3:2): outputs are never enlarged beyond it. */
const SOURCE_WIDTH = 3000;
const SOURCE_HEIGHT = 2000;
/** Container and HTTP overhead; also the size of a cached error body. */
const OVERHEAD_BYTES = 500;

/** Estimated bytes of one variant, from its output box and format. */
export function estimateVariantBytes(params: VariantParams): number {
  const width = Math.min(params.w ?? (params.h !== undefined ? params.h * 1.5 : SOURCE_WIDTH), SOURCE_WIDTH);
  const height = Math.min(params.h ?? width / 1.5, SOURCE_HEIGHT);
  return OVERHEAD_BYTES + Math.round(width * height * BYTES_PER_PIXEL[params.fmt]);
}

/** The cache key and size of a request in `mode`; undefined when the viewer function rejects it. */
export function cacheEntry(request: TraceRequest, mode: KeyMode, ladder: readonly number[] = DEFAULT_LADDER): CacheEntry | undefined {
  const pairs = queryPairs(request.query);
  if (mode === 'raw') {
    // The origin sees neither Accept nor a ladder: it renders exactly what the URL says, or answers 400
    // (cached like any response; error caching's 10 s TTL is not modelled, which flatters raw).
    const parsed = parseImageRequest(request.uri, pairs);
    return {
      key: request.query === '' ? request.uri : `${request.uri}?${request.query}`,
      bytes: parsed.ok ? estimateVariantBytes(parsed.request.params) : OVERHEAD_BYTES,
      prerendered: false,
    };
  }
  const parsed = parseImageRequest(request.uri, pairs, { accept: request.accept, ladder });
  if (!parsed.ok) return undefined;
  return {
    key: `${canonicalUri(parsed.request)}?${canonicalQuery(parsed.request.params)}`,
    bytes: estimateVariantBytes(parsed.request.params),
    prerendered: prerenderedKeys(parsed.request, ladder).has(variantKey(parsed.request)),
  };
}

/** Per ladder, per original: the variant keys the render workflow stores on upload. */
const PRERENDERED = new Map<readonly number[], Map<string, ReadonlySet<string>>>();

function prerenderedKeys(original: ImageRequest, ladder: readonly number[]): ReadonlySet<string> {
  let byOriginal = PRERENDERED.get(ladder);
  if (byOriginal === undefined) PRERENDERED.set(ladder, (byOriginal = new Map()));
  const uri = canonicalUri(original);
  let keys = byOriginal.get(uri);
  if (keys === undefined) byOriginal.set(uri, (keys = new Set(standardVariants(original, { ladder }).map(variantKey))));
  return keys;
}

interface Tier {
  /** True on a hit; on a miss the response is stored on its way back (if it fits). */
  hitOrStore(entry: CacheEntry): boolean;
}

function createTier(capacity: Capacity): Tier {
  const bound = 'entries' in capacity ? capacity.entries : capacity.bytes;
  // lru-cache refuses a zero bound; a cache that holds nothing misses every time.
  if (bound <= 0) return { hitOrStore: () => false };
  const cache =
    'entries' in capacity
      ? new LRUCache<string, number>({ max: capacity.entries })
      : new LRUCache<string, number>({ maxSize: capacity.bytes, sizeCalculation: (bytes) => bytes });
  return {
    hitOrStore(entry) {
      if (cache.get(entry.key) !== undefined) return true;
      cache.set(entry.key, entry.bytes); // an entry larger than the whole cache is not stored
      return false;
    },
  };
}

type Outcome = 'rejected' | 'edgeHit' | 'shieldHit' | 'originFetch';

/** One request through the edge, then the shield on a miss; each tier keeps what passes back through it. */
function serve(entry: CacheEntry | undefined, edge: Tier, shield: Tier): Outcome {
  if (entry === undefined) return 'rejected';
  if (edge.hitOrStore(entry)) return 'edgeHit';
  return shield.hitOrStore(entry) ? 'shieldHit' : 'originFetch';
}

export function simulate(trace: Iterable<TraceRequest>, options: SimulateOptions): SimulationResult {
  const ladder = options.ladder ?? DEFAULT_LADDER;
  const warmup = options.warmup ?? 0;
  const edges = new Map<number, Tier>();
  const shield = createTier(options.shield);
  const keys = new Set<string>();
  const stored = new Set<string>();
  const counts: Record<Outcome, number> = { rejected: 0, edgeHit: 0, shieldHit: 0, originFetch: 0 };
  let renders = 0;
  let seen = 0;

  for (const request of trace) {
    const entry = cacheEntry(request, options.keyMode, ladder);
    let edge = edges.get(request.pop);
    if (edge === undefined) edges.set(request.pop, (edge = createTier(options.edge)));
    const outcome = serve(entry, edge, shield);
    const rendered = outcome === 'originFetch' && !(entry as CacheEntry).prerendered && !stored.has((entry as CacheEntry).key);
    if (rendered) stored.add((entry as CacheEntry).key);
    if (seen++ < warmup) continue;
    counts[outcome]++;
    if (rendered) renders++;
    if (entry !== undefined) keys.add(entry.key);
  }

  const requests = Math.max(0, seen - warmup);
  const lookups = requests - counts.rejected;
  const edgeMisses = lookups - counts.edgeHit;
  const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  return {
    keyMode: options.keyMode,
    requests,
    rejected: counts.rejected,
    lookups,
    distinctKeys: keys.size,
    edgeHits: counts.edgeHit,
    edgeHitRatio: ratio(counts.edgeHit, lookups),
    shieldHits: counts.shieldHit,
    shieldHitRatio: ratio(counts.shieldHit, edgeMisses),
    originFetches: counts.originFetch,
    renders,
    combinedHitRatio: ratio(lookups - counts.originFetch, lookups),
  };
}
