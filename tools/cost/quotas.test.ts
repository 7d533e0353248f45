import { describe, expect, it } from 'vitest';
import { assumptions } from './assumptions.ts';
import { breaksFirst, checkQuota, checkQuotas, firstExceeded, QUOTAS, type QuotaCheck } from './quotas.ts';

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

  it('needs 114.6 wildcards in flight at peak, far past 15: folding degrades already', () => {
    // Groups/day: 1,000 takedowns + 1% of 1M uploads re-uploaded = 11,000; × 3 at peak
    // = 33,000/day = 22.92/min; in flight for 5 min = 114.58.
    const check = byName(checks, 'Invalidation wildcards in flight');
    expect(check.peakUsage).toBeCloseTo((33_000 / 1_440) * 5, 6);
    expect(check.holds).toBe(false);
    expect(check.onExceed).toBe('degrades');
    expect(check.exceededAtMultiple).toBeCloseTo(15 / ((33_000 / 1_440) * 5), 6);
  });

  it('keeps invalidation paths in flight under 3,000: 15 wildcards + 99.58 groups × 16 paths', () => {
    const check = byName(checks, 'Invalidation paths in flight');
    expect(check.peakUsage).toBeCloseTo(15 + ((33_000 / 1_440) * 5 - 15) * 16, 6);
    expect(check.holds).toBe(true);
  });

  it('breaks first at the invalidation paths in flight, at 1.759× this traffic', () => {
    // At multiple m: 114.583·m groups in flight; 15 + (114.583·m − 15) × 16 = 3,000
    // → m = (15 + 2,985/16) / 114.583 = 201.5625 / 114.583 = 1.75909.
    const first = breaksFirst(checks);
    expect(first?.name).toBe('Invalidation paths in flight');
    expect(first?.exceededAtMultiple).toBeCloseTo(201.5625 / ((33_000 / 1_440) * 5), 6);
    // Not linear: the headroom at 1× (1.87) overstates how far it goes.
    expect(first!.headroom).toBeGreaterThan(first!.exceededAtMultiple);
  });

  it('is exceeded first (at 0.13×) by the wildcards, which only degrade', () => {
    expect(firstExceeded(checks)?.name).toBe('Invalidation wildcards in flight');
  });

  it('holds every quota that fails when exceeded', () => {
    expect(checks.filter((check) => check.onExceed === 'fails' && !check.holds)).toEqual([]);
  });
});

describe('quotas at 10B images/day', () => {
  const checks = checkQuotas(assumptions({ ...HAND_CHECKED, imagesPerDay: 1e10 }));

  it('fails CloudFront requests/s (347,222 at peak), Lambda concurrency, Step Functions and invalidation paths', () => {
    const failing = checks.filter((check) => check.onExceed === 'fails' && !check.holds).map((check) => check.name);
    expect(failing).toEqual([
      'CloudFront requests/s per distribution',
      'Lambda concurrency, us-east-1',
      'Step Functions state transitions (refill)',
      'Step Functions StartExecution (refill)',
      'Invalidation paths in flight',
    ]);
    expect(byName(checks, 'CloudFront requests/s per distribution').headroom).toBeCloseTo(0.72, 9);
  });

  it('still fits the 150 Gbps transfer rate, barely: 1e10 × 50 KB × 8 / 86,400 × 3 = 138.9 Gbps', () => {
    const check = byName(checks, 'CloudFront transfer rate per distribution');
    expect(check.peakUsage).toBeCloseTo((1e10 * 50_000 * 8 * 3) / 86_400 / 1e9, 6);
    expect(check.holds).toBe(true);
  });

  it('breaks first where 1B does, at a tenth of the multiple', () => {
    const first = breaksFirst(checks);
    expect(first?.name).toBe('Invalidation paths in flight');
    expect(first?.exceededAtMultiple).toBeCloseTo(0.175909, 5);
  });
});

describe('where it breaks without re-uploads', () => {
  it('breaks first at Step Functions state transitions: 21 per upload at 3× peak', () => {
    const checks = checkQuotas(assumptions({ imagesPerDay: 1e9, reuploadShare: 0 }));
    const first = breaksFirst(checks);
    expect(first?.name).toBe('Step Functions state transitions (refill)');
    expect(first!.exceededAtMultiple).toBeGreaterThan(2);
    expect(first!.exceededAtMultiple).toBeLessThan(2.1);
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
