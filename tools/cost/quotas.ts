/**
 * The same assumptions against AWS quotas at the peak rate (mean × peakToMean):
 * how close each quota is, and at what multiple of today's traffic it is exceeded.
 * Sources and confidence as in docs/aws-limits.md unless `source` says otherwise.
 */
import { FRESHNESS_SLOTS, MAX_SLOT_ENTRIES } from '../../core/contract/index.ts';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { scaleTraffic, type Assumptions } from './assumptions.ts';
import { KVS_MAX_BYTES, liveEntries, slotLoad, storeBytes, type SlotLoad, type StoreBytes } from './freshness.ts';
import { invalidationLoad, MAX_PATHS_IN_FLIGHT, MAX_WILDCARDS_IN_FLIGHT, type InvalidationLoad } from './invalidations.ts';
import type { Confidence } from './prices.ts';
import { dailyQuantities, SECONDS_PER_DAY, type DailyQuantities } from './quantities.ts';

/** `fails`: over it, requests are throttled or work piles up. `degrades`: the design falls back to something costlier. */
export type OnExceed = 'fails' | 'degrades';

/**
 * What a quota is counted over, and so what cells divide: `distribution` (each cell has its
 * own distribution and KeyValueStore), `shieldRegion` (the Lambda@Edge of the cells whose
 * Origin Shield is in the busiest Region), or `shared` (the pipeline and the buckets: one
 * for every cell, in us-east-1, as built).
 */
export type QuotaScope = 'distribution' | 'shieldRegion' | 'shared';

export interface QuotaSpec {
  readonly name: string;
  readonly limit: number;
  readonly unit: string;
  readonly onExceed: OnExceed;
  readonly consequence: string;
  readonly source: string;
  readonly confidence: Confidence;
  readonly scope: QuotaScope;
  readonly peakUsage: (q: DailyQuantities, a: Assumptions) => number;
}

export interface QuotaCheck extends Omit<QuotaSpec, 'peakUsage'> {
  readonly peakUsage: number;
  /** limit / peak usage: how many times today's peak fits (Infinity when unused). */
  readonly headroom: number;
  readonly holds: boolean;
  /** The multiple of today's traffic (images, uploads, takedowns together) at which peak usage passes the limit. */
  readonly exceededAtMultiple: number;
}

const peakPerSecond = (perDay: number, a: Assumptions) => (perDay / SECONDS_PER_DAY) * a.peakToMean;

/** The busiest cell's share of the traffic: tenants sharded evenly (an assumption: one tenant cannot be split). */
export const busiestCellShare = (a: Pick<Assumptions, 'cells'>): number => 1 / a.cells;

/**
 * Cell i has its Origin Shield (and origin-request function) in ORIGINALS_REGIONS[i mod 3]:
 * us-east-1 gets ceil(cells / 3) of the cells, the most of any Region. That is
 * 1 / min(cells, 3) when cells ≤ 3 or a multiple of 3, and more otherwise (4 cells: 2 in us-east-1).
 */
export const busiestShieldRegionShare = (a: Pick<Assumptions, 'cells'>): number => Math.ceil(a.cells / ORIGINALS_REGIONS.length) / a.cells;

/** One cell's invalidations at the peak rate. */
export const peakInvalidations = (q: DailyQuantities, a: Assumptions): InvalidationLoad =>
  invalidationLoad(q.invalidationGroups * a.peakToMean * busiestCellShare(a), a);

export interface FreshnessAtPeak {
  /** Live entries in the busiest cell's store: re-uploads and takedowns of one window at the peak rate. */
  readonly entriesPerCell: number;
  readonly bytes: StoreBytes;
  /** Every cell's slots together: the fullest slot of the deployment. */
  readonly slots: SlotLoad;
}

export function freshnessAtPeak(q: DailyQuantities, a: Assumptions): FreshnessAtPeak {
  const entries = liveEntries(peakPerSecond(q.freshnessChanges, a));
  const entriesPerCell = entries * busiestCellShare(a);
  return {
    entriesPerCell,
    bytes: storeBytes(entriesPerCell, a.tenants * busiestCellShare(a)),
    slots: slotLoad(entries, FRESHNESS_SLOTS * a.cells),
  };
}
const CLOUDFRONT_QUOTAS = 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html';
const SFN_QUOTAS = 'sfndoc-2023:limits-overview.md (Standard, us-east-1; not in docs/aws-limits.md, which has only ">4,000 transitions/s" from concepts-standard-vs-express.md)';

export const QUOTAS: readonly QuotaSpec[] = [
  {
    name: 'CloudFront requests/s per distribution',
    limit: 250_000,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: 'requests refused; raise the quota or use a flat-rate plan',
    source: CLOUDFRONT_QUOTAS,
    confidence: 'C',
    scope: 'distribution',
    peakUsage: (q, a) => peakPerSecond(q.requests, a) * busiestCellShare(a),
  },
  {
    name: 'CloudFront transfer rate per distribution',
    limit: 150,
    unit: 'Gbps',
    onExceed: 'fails',
    consequence: 'throughput capped; raise the quota or use a flat-rate plan',
    source: CLOUDFRONT_QUOTAS,
    confidence: 'C',
    scope: 'distribution',
    peakUsage: (q, a) => ((peakPerSecond(q.requests * a.meanVariantBytes, a) * 8) / 1e9) * busiestCellShare(a),
  },
  {
    name: 'Lambda concurrency, us-east-1',
    limit: 1_000,
    unit: 'concurrent',
    onExceed: 'fails',
    consequence: 'Lambda@Edge throttled → 503 on misses; tasks retried (Lambda.TooManyRequestsException)',
    source:
      'docs/aws-limits.md §B/§H (1,000 per Region, raisable); Lambda@Edge draws on the account concurrency of the Region it runs in (repost.aws QUin-L0nSqQW6F8upA-EhJ-w): the origin-request functions of the cells shielded in us-east-1 run there, beside every pipeline task',
    confidence: 'C/3P',
    scope: 'shieldRegion',
    peakUsage: (q, a) => peakPerSecond(q.edgeSeconds * busiestShieldRegionShare(a) + q.taskSecondsX86 + q.taskSecondsArm64, a),
  },
  {
    name: 'Lambda@Edge requests/s, busiest shield Region',
    limit: 10_000,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: 'origin requests throttled → 503 on misses',
    source: 'docs/aws-limits.md §B (cfdoc-2023:cloudfront-limits.md, 2023 value, raisable)',
    confidence: 'C',
    scope: 'shieldRegion',
    peakUsage: (q, a) => peakPerSecond(q.edgeInvocations, a) * busiestShieldRegionShare(a),
  },
  {
    name: 'S3 GET/HEAD per prefix, variants (busiest tenant)',
    limit: 5_500,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: '503 SlowDown until S3 partitions the prefix further',
    source: 'docs/aws-limits.md §D (s3doc-2023:optimizing-performance.md)',
    confidence: 'C',
    scope: 'shared',
    peakUsage: (q, a) => peakPerSecond(q.variantGets, a) * a.largestTenantShare,
  },
  {
    name: 'S3 PUT per prefix, variants (busiest tenant)',
    limit: 3_500,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: '503 SlowDown on stores; edge renders still answer inline',
    source: 'docs/aws-limits.md §D (s3doc-2023:optimizing-performance.md)',
    confidence: 'C',
    scope: 'shared',
    peakUsage: (q, a) => peakPerSecond(q.variantPuts, a) * a.largestTenantShare,
  },
  {
    name: 'S3 GET per prefix, originals (busiest tenant)',
    limit: 5_500,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: '503 SlowDown on renders; the edge tries the next replica',
    source: 'docs/aws-limits.md §D (s3doc-2023:optimizing-performance.md)',
    confidence: 'C',
    scope: 'shared',
    peakUsage: (q, a) => peakPerSecond(q.originalGets, a) * a.largestTenantShare,
  },
  {
    name: 'Step Functions state transitions (refill)',
    limit: 1_500,
    unit: 'per s',
    onExceed: 'fails',
    consequence: 'executions throttled (ExecutionThrottled); uploads render late',
    source: `${SFN_QUOTAS}; bucket 5,000`,
    confidence: 'C',
    scope: 'shared',
    peakUsage: (q, a) => peakPerSecond(q.transitions, a),
  },
  {
    name: 'Step Functions StartExecution (refill)',
    limit: 300,
    unit: 'per s',
    onExceed: 'fails',
    consequence: 'uploads not started (EventBridge retries, then the dead-letter queue)',
    source: `${SFN_QUOTAS}; bucket 1,300`,
    confidence: 'C',
    scope: 'shared',
    peakUsage: (q, a) => peakPerSecond(q.executions, a),
  },
  {
    name: 'Invalidation paths in flight, as exact paths',
    limit: MAX_PATHS_IN_FLIGHT,
    unit: 'paths',
    onExceed: 'degrades',
    consequence: 'groups whose exact paths do not fit go out as one wildcard each (1 of the 15): fewer paths billed',
    source: 'docs/aws-limits.md §C (cfdoc-2023:Invalidation.md); the planner rule of tasks/plan-invalidations',
    confidence: 'C',
    scope: 'distribution',
    peakUsage: (q, a) => peakInvalidations(q, a).exactPathsWanted,
  },
  {
    name: 'Invalidation wildcards in flight',
    limit: MAX_WILDCARDS_IN_FLIGHT,
    unit: 'wildcards',
    onExceed: 'fails',
    consequence:
      'both budgets spent: the flush queue grows without bound (taken-down images still 451 at the viewer: the slot entry outlives the edge TTL)',
    source: 'docs/aws-limits.md §C (cfdoc-2023:Invalidation.md); the planner rule of tasks/plan-invalidations',
    confidence: 'C',
    scope: 'distribution',
    // The wildcards that keep the paths in flight within 3,000.
    peakUsage: (q, a) => peakInvalidations(q, a).wildcardsWanted,
  },
  {
    name: 'KeyValueStore bytes per store',
    limit: KVS_MAX_BYTES,
    unit: 'bytes',
    onExceed: 'fails',
    consequence: 'slot writes refused: takedowns stop reaching the viewer (no 451) and replaced originals stay stale at the edge',
    source:
      'docs/aws-limits.md §A (5 MB total, kvs-with-functions-create-s3-kvp.html; 10^6 bytes taken); slot keys always, entries of one FRESHNESS_WINDOW_SECONDS at peak, tenant configs and keys at their longest',
    confidence: 'C',
    scope: 'distribution',
    peakUsage: (q, a) => freshnessAtPeak(q, a).bytes.total,
  },
  {
    name: 'Entries in the fullest freshness slot',
    limit: MAX_SLOT_ENTRIES,
    unit: 'entries',
    onExceed: 'fails',
    consequence: 'SlotFull: the next takedown or re-upload of an original in that slot fails (not retried)',
    source: 'core/contract/freshness.ts MAX_SLOT_ENTRIES (a value is ≤ 1,024 characters, docs/aws-limits.md §A); expected maximum of Poisson slot loads',
    confidence: 'C',
    scope: 'distribution',
    peakUsage: (q, a) => freshnessAtPeak(q, a).slots.expectedFullest,
  },
];

/** Past this multiple a quota counts as never exceeded. */
const MAX_MULTIPLE = 1e9;

export function checkQuota(spec: QuotaSpec, a: Assumptions): QuotaCheck {
  const usageAt = (multiple: number) => {
    const scaled = scaleTraffic(a, multiple);
    return spec.peakUsage(dailyQuantities(scaled), scaled);
  };
  const { peakUsage: _, ...described } = spec;
  const peakUsage = usageAt(1);
  return {
    ...described,
    peakUsage,
    headroom: peakUsage > 0 ? spec.limit / peakUsage : Number.POSITIVE_INFINITY,
    holds: peakUsage <= spec.limit,
    exceededAtMultiple: exceededAt(usageAt, spec.limit),
  };
}

/** The smallest multiple whose usage passes `limit`, by doubling then bisection (usage grows with traffic). */
function exceededAt(usageAt: (multiple: number) => number, limit: number): number {
  let high = 1;
  while (usageAt(high) <= limit) {
    if (high >= MAX_MULTIPLE) return Number.POSITIVE_INFINITY;
    high *= 2;
  }
  let low = high === 1 ? 0 : high / 2;
  for (let i = 0; i < 60 && high - low > high * 1e-9; i++) {
    const middle = (low + high) / 2;
    if (usageAt(middle) > limit) high = middle;
    else low = middle;
  }
  return high;
}

export function checkQuotas(a: Assumptions): QuotaCheck[] {
  return QUOTAS.map((spec) => checkQuota(spec, a));
}

/** Where the design breaks first: the quota whose excess fails (not merely degrades) at the smallest traffic multiple. */
export function breaksFirst(checks: readonly QuotaCheck[]): QuotaCheck | undefined {
  return firstExceeded(checks.filter((check) => check.onExceed === 'fails'));
}

/** The quota passed at the smallest traffic multiple, whatever happens then. */
export function firstExceeded(checks: readonly QuotaCheck[]): QuotaCheck | undefined {
  const finite = checks.filter((check) => Number.isFinite(check.exceededAtMultiple));
  return finite.reduce<QuotaCheck | undefined>((first, check) => (!first || check.exceededAtMultiple < first.exceededAtMultiple ? check : first), undefined);
}

/** The most cells cellsFor tries: a multiple of the three shield Regions. */
export const MAX_CELLS = 96;

export interface CellsNeeded {
  readonly minHeadroom: number;
  /** The fewest cells at which every quota cells divide (but `never`) has that headroom; undefined past MAX_CELLS. */
  readonly cells: number | undefined;
  /** Quotas cells divide that no number of cells brings to that headroom (a share of them is not sharded). */
  readonly never: readonly string[];
}

/** How many cells the per-distribution and per-shield-Region quotas need for `minHeadroom` at this traffic. */
export function cellsFor(a: Assumptions, minHeadroom = 1.5): CellsNeeded {
  const sharded = QUOTAS.filter((spec) => spec.scope !== 'shared');
  const headroom = (spec: QuotaSpec, cells: number) => {
    const withCells = { ...a, cells };
    const usage = spec.peakUsage(dailyQuantities(withCells), withCells);
    return usage > 0 ? spec.limit / usage : Number.POSITIVE_INFINITY;
  };
  const never = sharded.filter((spec) => headroom(spec, MAX_CELLS) < minHeadroom);
  const reachable = sharded.filter((spec) => !never.includes(spec));
  let cells: number | undefined;
  for (let n = 1; n <= MAX_CELLS && cells === undefined; n++) {
    if (reachable.every((spec) => headroom(spec, n) >= minHeadroom)) cells = n;
  }
  return { minHeadroom, cells, never: never.map((spec) => spec.name) };
}
