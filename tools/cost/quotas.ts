/**
 * The same assumptions against AWS quotas at the peak rate (mean × peakToMean):
 * how close each quota is, and at what multiple of today's traffic it is exceeded.
 * Sources and confidence as in docs/aws-limits.md unless `source` says otherwise.
 */
import { scaleTraffic, type Assumptions } from './assumptions.ts';
import { invalidationLoad, MAX_PATHS_IN_FLIGHT, MAX_WILDCARDS_IN_FLIGHT } from './invalidations.ts';
import type { Confidence } from './prices.ts';
import { dailyQuantities, SECONDS_PER_DAY, type DailyQuantities } from './quantities.ts';

/** `fails`: over it, requests are throttled or work piles up. `degrades`: the design falls back to something costlier. */
export type OnExceed = 'fails' | 'degrades';

export interface QuotaSpec {
  readonly name: string;
  readonly limit: number;
  readonly unit: string;
  readonly onExceed: OnExceed;
  readonly consequence: string;
  readonly source: string;
  readonly confidence: Confidence;
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
    peakUsage: (q, a) => peakPerSecond(q.requests, a),
  },
  {
    name: 'CloudFront transfer rate per distribution',
    limit: 150,
    unit: 'Gbps',
    onExceed: 'fails',
    consequence: 'throughput capped; raise the quota or use a flat-rate plan',
    source: CLOUDFRONT_QUOTAS,
    confidence: 'C',
    peakUsage: (q, a) => (peakPerSecond(q.requests * a.meanVariantBytes, a) * 8) / 1e9,
  },
  {
    name: 'Lambda concurrency, us-east-1',
    limit: 1_000,
    unit: 'concurrent',
    onExceed: 'fails',
    consequence: 'Lambda@Edge throttled → 503 on misses; tasks retried (Lambda.TooManyRequestsException)',
    source:
      'docs/aws-limits.md §B/§H (1,000 per Region, raisable); Lambda@Edge draws on the account concurrency of the Region it runs in (repost.aws QUin-L0nSqQW6F8upA-EhJ-w), and with Origin Shield in us-east-1 every origin-request runs there, beside the pipeline tasks',
    confidence: 'C/3P',
    peakUsage: (q, a) => peakPerSecond(q.edgeSeconds + q.taskSecondsX86 + q.taskSecondsArm64, a),
  },
  {
    name: 'Lambda@Edge requests/s, shield Region',
    limit: 10_000,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: 'origin requests throttled → 503 on misses',
    source: 'docs/aws-limits.md §B (cfdoc-2023:cloudfront-limits.md, 2023 value, raisable)',
    confidence: 'C',
    peakUsage: (q, a) => peakPerSecond(q.edgeInvocations, a),
  },
  {
    name: 'S3 GET/HEAD per prefix, variants (busiest tenant)',
    limit: 5_500,
    unit: 'req/s',
    onExceed: 'fails',
    consequence: '503 SlowDown until S3 partitions the prefix further',
    source: 'docs/aws-limits.md §D (s3doc-2023:optimizing-performance.md)',
    confidence: 'C',
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
    peakUsage: (q, a) => peakPerSecond(q.executions, a),
  },
  {
    name: 'Invalidation wildcards in flight',
    limit: MAX_WILDCARDS_IN_FLIGHT,
    unit: 'wildcards',
    onExceed: 'degrades',
    consequence: 'groups past 15 go out path by path: more paths billed, more of the 3,000 used',
    source: 'docs/aws-limits.md §C (cfdoc-2023:Invalidation.md)',
    confidence: 'C',
    // Every group in flight wants a wildcard.
    peakUsage: (q, a) => invalidationLoad(q.invalidationGroups * a.peakToMean, a).groupsInFlight,
  },
  {
    name: 'Invalidation paths in flight',
    limit: MAX_PATHS_IN_FLIGHT,
    unit: 'paths',
    onExceed: 'fails',
    consequence: 'the queue grows without bound: replaced images stay cached (takedowns still 451 at the viewer)',
    source: 'docs/aws-limits.md §C (cfdoc-2023:Invalidation.md)',
    confidence: 'C',
    peakUsage: (q, a) => invalidationLoad(q.invalidationGroups * a.peakToMean, a).pathsInFlight,
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
