import { describe, expect, it } from 'vitest';
import { assumptions } from './assumptions.ts';
import { slotLoad } from './freshness.ts';
import {
  breaksFirst,
  busiestCellShare,
  busiestShieldRegionShare,
  cellsFor,
  checkQuota,
  checkQuotas,
  firstExceeded,
  QUOTAS,
  type QuotaCheck,
} from './quotas.ts';

const byName = (checks: readonly QuotaCheck[], name: string): QuotaCheck => {
  const check = checks.find((candidate) => candidate.name === name);
  if (!check) throw new Error(`no quota ${name}`);
  return check;
};

/** The traffic ratios the hand-checked figures below were worked out with, whatever the bench last recorded. */
const HAND_CHECKED = { edgeHitRatio: 0.97, shieldHitRatio: 0.6, rendersPerShieldMiss: 0.2, meanRenderMs: 200, meanVariantBytes: 50_000 } as const;

describe('quotas at 1B images/day', () => {
  const checks = checkQuotas(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e9 }));

  it('peaks CloudFront at 1e9 / 86,400 × 3 = 34,722 req/s: 7.2× under 250,000', () => {
    const check = byName(checks, 'CloudFront requests/s per distribution');
    expect(check.peakUsage).toBeCloseTo((1e9 / 86_400) * 3, 6);
    expect(check.headroom).toBeCloseTo(7.2, 9);
    expect(check.holds).toBe(true);
    // Linear in traffic: exceeded exactly where the headroom runs out.
    expect(check.exceededAtMultiple).toBeCloseTo(7.2, 6);
  });

  // Takedowns only queue invalidations: 1,000/day × 3 at peak = 3,000/day = 2.083/min, in
  // flight for 5 min = 10.417 groups × 16 variants = 166.67 exact paths.
  const groupsInFlight = (3_000 / 1_440) * 5;

  it('sends the takedowns as exact paths: 166.67 of the 3,000, no wildcard', () => {
    const paths = byName(checks, 'Invalidation paths in flight, as exact paths');
    expect(paths.peakUsage).toBeCloseTo(groupsInFlight * 16, 6);
    expect(paths.onExceed).toBe('degrades');
    // Linear: exact paths pass 3,000 at 18×, and the planner starts using wildcards.
    expect(paths.exceededAtMultiple).toBeCloseTo(18, 6);
    const wildcards = byName(checks, 'Invalidation wildcards in flight');
    expect(wildcards.peakUsage).toBe(0);
    expect(wildcards.headroom).toBe(Number.POSITIVE_INFINITY);
  });

  it('fails the invalidations only past (3,000 + 15 × 15) / 16 = 201.56 groups in flight: 19.35×', () => {
    const wildcards = byName(checks, 'Invalidation wildcards in flight');
    expect(wildcards.onExceed).toBe('fails');
    expect(wildcards.exceededAtMultiple).toBeCloseTo(201.5625 / groupsInFlight, 6);
  });

  it('holds 1.76 MB in the KeyValueStore: slot keys, a window of re-uploads and takedowns at peak, the tenants', () => {
    // (10,000 re-uploads + 1,000 takedowns)/day × 3 / 86,400 s × 93,600 s = 35,750 entries
    // 65,536 × 7 + 35,750 × 22 + 1,000 tenants × 518 = 458,752 + 786,500 + 518,000
    const check = byName(checks, 'KeyValueStore bytes per store');
    expect(check.peakUsage).toBeCloseTo(1_763_252, 3);
    expect(check.limit).toBe(5_000_000);
    // Only the entries grow with traffic: (5e6 − 458,752 − 518,000) / 786,500 = 5.12×.
    expect(check.exceededAtMultiple).toBeCloseTo((5e6 - 458_752 - 518_000) / 786_500, 6);
  });

  it('expects about 6 entries in the fullest of 65,536 slots (0.52 on average), of 46', () => {
    const check = byName(checks, 'Entries in the fullest freshness slot');
    expect(check.limit).toBe(46);
    expect(check.peakUsage).toBeCloseTo(slotLoad(35_750, 65_536).expectedFullest, 9);
    expect(check.peakUsage).toBeGreaterThan(5);
    expect(check.peakUsage).toBeLessThan(7);
  });

  it('breaks first at Step Functions state transitions, at 1.8678×: the invalidations no longer come first', () => {
    // Per day at multiple m: 990,000m new uploads × 7 + 10,000m re-uploads × 10 + 1,000,000m renders × 16
    // + 1,000m takedowns × 9 + 10,000m generation expiries × 8 + 1,000m deny expiries × 4 = 23,123,000m; past 1,440 takedowns every flush is busy (1 batch: 8).
    // 23,123,000m + 1,440 × 8 = 1,500/s × 86,400 / 3 = 43,200,000 → m = 43,188,480 / 22,028,000.
    const first = breaksFirst(checks);
    expect(first?.name).toBe('Step Functions state transitions (refill)');
    expect(first!.exceededAtMultiple).toBeCloseTo(43_188_480 / 23_123_000, 6);
    expect(firstExceeded(checks)?.name).toBe('Step Functions state transitions (refill)');
  });

  it('holds every quota that fails when exceeded', () => {
    expect(checks.filter((check) => check.onExceed === 'fails' && !check.holds)).toEqual([]);
  });
});

describe('quotas at 10B images/day', () => {
  const checks = checkQuotas(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e10 }));

  it('fails CloudFront requests/s (347,222 at peak), Lambda concurrency, Step Functions and the KeyValueStore bytes', () => {
    const failing = checks.filter((check) => check.onExceed === 'fails' && !check.holds).map((check) => check.name);
    expect(failing).toEqual([
      'CloudFront requests/s per distribution',
      'Lambda concurrency, us-east-1',
      'Step Functions state transitions (refill)',
      'Step Functions StartExecution (refill)',
      'KeyValueStore bytes per store',
    ]);
    expect(byName(checks, 'CloudFront requests/s per distribution').headroom).toBeCloseTo(0.72, 9);
    // 458,752 + 357,500 × 22 + 518,000
    expect(byName(checks, 'KeyValueStore bytes per store').peakUsage).toBeCloseTo(8_841_752, 3);
  });

  it('still fits the 150 Gbps transfer rate, barely: 1e10 × 50 KB × 8 / 86,400 × 3 = 138.9 Gbps', () => {
    const check = byName(checks, 'CloudFront transfer rate per distribution');
    expect(check.peakUsage).toBeCloseTo((1e10 * 50_000 * 8 * 3) / 86_400 / 1e9, 6);
    expect(check.holds).toBe(true);
  });

  it('keeps the takedowns within the invalidation budgets: 1,666.67 exact paths', () => {
    const check = byName(checks, 'Invalidation paths in flight, as exact paths');
    expect(check.peakUsage).toBeCloseTo(((30_000 / 1_440) * 5 * 16), 6);
    expect(check.holds).toBe(true);
    expect(byName(checks, 'Invalidation wildcards in flight').exceededAtMultiple).toBeCloseTo(201.5625 / ((30_000 / 1_440) * 5), 6);
  });
});

describe('cells (modelled, not deployed yet)', () => {
  const at10B = (cells: number) => checkQuotas(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e10, cells }));
  const one = at10B(1);
  const three = at10B(3);
  const usage = (checks: readonly QuotaCheck[], name: string) => byName(checks, name).peakUsage;

  it('put us-east-1 in ceil(cells / 3) of the cells: round-robin over the three originals Regions', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((cells) => busiestShieldRegionShare({ cells }))).toEqual([1, 1 / 2, 1 / 3, 2 / 4, 2 / 5, 2 / 6, 3 / 7]);
    expect(busiestCellShare({ cells: 4 })).toBe(1 / 4);
  });

  it('divide the per-distribution quotas by the cells: the busiest cell carries a third', () => {
    for (const name of [
      'CloudFront requests/s per distribution',
      'CloudFront transfer rate per distribution',
      'Invalidation paths in flight, as exact paths',
    ]) {
      expect(usage(three, name), name).toBeCloseTo(usage(one, name) / 3, 6);
    }
    // The slot keys are in every store; the entries and the tenants divide: 458,752 + (7,865,000 + 518,000) / 3.
    expect(usage(three, 'KeyValueStore bytes per store')).toBeCloseTo(458_752 + (7_865_000 + 518_000) / 3, 3);
    // Three times the slots for the same entries.
    expect(usage(three, 'Entries in the fullest freshness slot')).toBeCloseTo(slotLoad(357_500, 3 * 65_536).expectedFullest, 9);
  });

  it('divide Lambda@Edge by the busiest shield Region share, and only the edge share of us-east-1 concurrency', () => {
    expect(usage(three, 'Lambda@Edge requests/s, busiest shield Region')).toBeCloseTo(usage(one, 'Lambda@Edge requests/s, busiest shield Region') / 3, 6);
    const four = at10B(4);
    expect(usage(four, 'Lambda@Edge requests/s, busiest shield Region')).toBeCloseTo(usage(one, 'Lambda@Edge requests/s, busiest shield Region') / 2, 6);
    // Concurrency = edge × share + pipeline: at 1, 3 and 4 cells that solves for the same pipeline part.
    const concurrency = (checks: readonly QuotaCheck[]) => usage(checks, 'Lambda concurrency, us-east-1');
    const edge = ((concurrency(one) - concurrency(three)) * 3) / 2;
    expect(concurrency(four)).toBeCloseTo(concurrency(one) - edge / 2, 6);
    expect(concurrency(one) - edge).toBeGreaterThan(1_000 / 1.5);
  });

  it('leave the pipeline and the buckets alone: Step Functions and S3 per prefix', () => {
    for (const check of one.filter((candidate) => QUOTAS.find((spec) => spec.name === candidate.name)!.scope === 'shared')) {
      expect(usage(three, check.name), check.name).toBeCloseTo(check.peakUsage, 6);
    }
  });

  it('need 3 at 10B for a headroom of 1.5 on every per-distribution and shield-Region quota but us-east-1 concurrency, which no number of cells fixes', () => {
    const needed = cellsFor(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e10 }));
    expect(needed).toEqual({ minHeadroom: 1.5, cells: 3, never: ['Lambda concurrency, us-east-1'] });
    expect(cellsFor(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e9 })).cells).toBe(1);
  });
});

describe('where it breaks without re-uploads', () => {
  it('breaks first at Step Functions state transitions: 23 per upload at 3× peak', () => {
    const checks = checkQuotas(assumptions({ imagesPerDay: 1e9, reuploadShare: 0 }));
    const first = breaksFirst(checks);
    expect(first?.name).toBe('Step Functions state transitions (refill)');
    expect(first!.exceededAtMultiple).toBeGreaterThan(1.85);
    expect(first!.exceededAtMultiple).toBeLessThan(1.9);
  });
});

describe('a quota traffic never reaches', () => {
  it('is never exceeded and never breaks first', () => {
    const idle = assumptions({ imagesPerDay: 0, uploadsPerDay: 0, takedownsPerDay: 0 });
    const check = checkQuota(QUOTAS[0]!, idle);
    expect(check.peakUsage).toBe(0);
    expect(check.headroom).toBe(Number.POSITIVE_INFINITY);
    expect(check.exceededAtMultiple).toBe(Number.POSITIVE_INFINITY);
    // Only the flush schedule runs, whatever the multiple: nothing grows.
    expect(breaksFirst(checkQuotas(idle))).toBeUndefined();
  });
});
