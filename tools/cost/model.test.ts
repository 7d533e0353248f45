import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assumptions, type Assumptions } from './assumptions.ts';
import { invalidationLoad } from './invalidations.ts';
import { costModel, type CostModel } from './model.ts';
import { BYTES_PER_GB, PRICES, tieredCost, unitCost } from './prices.ts';

const usdPerMonth = (model: CostModel, name: string): number => {
  const line = model.lineItems.find((item) => item.name === name);
  if (!line) throw new Error(`no line item ${name}`);
  return line.usdPerMonth;
};

/**
 * A tiny profile with round numbers. Per day: 1,000,000 requests, 100 uploads
 * (50 new keys, 50 re-uploads), 2 takedowns.
 */
const TINY: Assumptions = assumptions({
  imagesPerDay: 1_000_000,
  uploadsPerDay: 100,
  takedownsPerDay: 2,
  reuploadShare: 0.5,
  daysPerMonth: 30,
  edgeHitRatio: 0.9,
  shieldHitRatio: 0.5,
  rendersPerShieldMiss: 0.1,
  meanRenderMs: 200,
  meanOriginalFetchMs: 50,
  meanVariantLookupMs: 4,
  meanVariantBytes: BYTES_PER_GB / 1000,
  meanValidateMs: 500,
  meanSmallTaskMs: 100,
  edgeMemoryMb: 2048,
  renderTaskMemoryMb: 1024,
  validateMemoryMb: 2048,
  smallTaskMemoryMb: 512,
  standardVariantsPerUpload: 12,
  variantsPerOriginal: 16,
  kvsReadsPerRequest: 2,
  flushMinutes: 1,
  invalidationMinutes: 5,
  wafRules: 5,
  shieldIncrementalShare: 1,
  meanOriginalBytes: BYTES_PER_GB / 100,
  originalsRegions: 3,
  libraryDays: 10,
  dynamoWritesPerTask: 3,
});

describe('costModel on a tiny profile computed by hand', () => {
  const model = costModel(TINY);

  // Request path, per day: edge misses 1e6 × 0.1 = 100,000; shield misses (variant
  // lookups) 100,000 × 0.5 = 50,000; edge renders 50,000 × 0.1 = 5,000.
  //
  // Pipeline, per execution (asl/, see workflow-transitions.test.ts):
  //   new upload 5 transitions, Lambda: validate, record                     (2)
  //   re-upload  7 transitions, Lambda: validate, record, delete, enqueue     (4)
  //   render     16 transitions, Lambda: plan + 12 render-variant           (13)
  //   takedown   8 transitions, Lambda: 5
  //   flush with a batch 8 transitions, Lambda: read, plan, claim, mark     (4)
  //   empty flush        4 transitions, Lambda: read, plan                  (2)
  // Invalidation groups/day = 2 takedowns + 50 re-uploads = 52 → 52 busy flushes,
  // 1,440 − 52 = 1,388 empty ones. In flight: 52 / 1,440 × 5 min = 0.18 groups, all
  // folded (≤ 15 wildcards): 1 path per group, 1 batch per busy flush.
  const expected: Record<string, number> = {
    // 1e6 × 2^30/1000 bytes = 1,000 GB/day → 30,000 GB; − 1,024 free = 28,976;
    // 10,240 × 0.085 = 870.40; 18,736 × 0.080 = 1,498.88 → 2,369.28
    'Data transfer out': 2_369.28,
    // 3e7 requests × $0.60/M
    'WAF requests': 18,
    'WAF web ACL': 5,
    // 5 rules × $1
    'WAF rules': 5,
    // (3e7 − 1e7 free) / 10,000 × $0.01
    'CloudFront requests': 20,
    // (3e7 − 2e6 free) × $0.10/M
    'Viewer function': 2.8,
    // (6e7 − 2e6 free) × $0.03/M
    'KeyValueStore reads': 1.74,
    // (100,000 edge misses + 5,000 failovers) × 30 = 3.15e6 / 10,000 × $0.0075
    'Origin Shield requests': 2.3625,
    // (50,000 lookups + 5,000 renders) × 30 = 1.65e6 × $0.60/M
    'Lambda@Edge requests': 0.99,
    // (50,000 × 4 ms + 5,000 × (50 + 200) ms) = 1,450 s/day × 2 GB = 2,900 GB-s;
    // × 30 = 87,000 GB-s × $0.00005001
    'Lambda@Edge compute': 4.35087,
    // variants: 50,000 lookups + 1,200 render-task HEADs; originals: 5,000 edge
    // renders + 100 validations + 1,200 render tasks → 57,500/day × 30 = 1.725e6 × $0.0004/1,000
    'S3 GET/HEAD': 0.69,
    // 5,000 edge renders + 1,200 render tasks + 100 uploads + 200 replicas = 6,500/day
    // × 30 = 195,000 × $0.005/1,000
    'S3 PUT': 0.975,
    // 100 uploads × 10 days × (0.01 GB × 3 regions + 16 variants × 0.001 GB) = 46 GB × $0.023
    'S3 storage': 1.058,
    // 100 × 0.01 GB × 2 replicas = 2 GB/day × 30 = 60 GB × $0.02
    'Replication transfer': 1.2,
    // 50×5 + 50×7 + 100×16 + 2×8 + 52×8 + 1,388×4 = 250 + 350 + 1,600 + 16 + 416 + 5,552
    // = 8,184/day × 30 = 245,520 × $0.025/1,000
    'Step Functions transitions': 6.138,
    // 50×2 + 50×4 + 100×13 + 2×5 + 52×4 + 1,388×2 = 4,594/day × 30 = 137,820 < 1M free
    'Lambda task requests': 0,
    // 1,200 renders × 0.25 s × 1 GB + 100 validations × 0.5 s × 2 GB = 400 GB-s/day
    // × 30 = 12,000 < 400,000 free
    'Lambda task compute x86_64': 0,
    // (4,594 − 1,200 − 100) = 3,294 × 0.1 s × 0.5 GB = 164.7 GB-s/day × 30 = 4,941 × $0.0000133334
    'Lambda task compute arm64': 0.065880329,
    // 4,594 invocations × 3 writes × 30 = 413,460 × $0.625/M
    'DynamoDB writes': 0.2584125,
    // 52 groups × 1 path × 30 = 1,560 − 1,000 free = 560 × $0.005
    'Invalidation paths': 2.8,
  };

  it.each(Object.entries(expected))('prices %s', (name, usd) => {
    expect(usdPerMonth(model, name)).toBeCloseTo(usd, 6);
  });

  it('has exactly these line items', () => {
    expect(model.lineItems.map((line) => line.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it('totals them: $2,442.70866/month, $81.42/day and per million images', () => {
    // Sum of the above = 2,442.708662829
    expect(model.usdPerMonth).toBeCloseTo(2_442.708662829, 6);
    expect(model.usdPerDay).toBeCloseTo(2_442.708662829 / 30, 6);
    expect(model.usdPerMillionImages).toBeCloseTo(2_442.708662829 / 30, 6);
    for (const line of model.lineItems) expect(line.usdPerDay).toBeCloseTo(line.usdPerMonth / 30, 9);
  });
});

describe('data transfer tiers', () => {
  const price = PRICES.cloudfrontDataTransferOut;
  const free = price.freeGbPerMonth;

  it('bills nothing within the free 1 TB (1,024 GB)', () => {
    expect(tieredCost(1_024, price)).toBe(0);
  });

  it('bills exactly 10 TB past the free tier at $0.085 only', () => {
    expect(tieredCost(free + 10_240, price)).toBeCloseTo(870.4, 9);
  });

  it('bills the GB after 10 TB at the next tier, $0.080', () => {
    expect(tieredCost(free + 10_240 + 1, price)).toBeCloseTo(870.48, 9);
  });

  it('bills the first PB (1,024 TB) through five bands, and the next GB at $0.025', () => {
    // 870.40 + 40,960 × 0.08 + 102,400 × 0.06 + 358,400 × 0.04 + 536,576 × 0.03
    // = 870.40 + 3,276.80 + 6,144.00 + 14,336.00 + 16,097.28 = 40,724.48
    expect(tieredCost(free + 1_048_576, price)).toBeCloseTo(40_724.48, 6);
    expect(tieredCost(free + 1_048_576 + 1, price)).toBeCloseTo(40_724.505, 6);
  });

  it('bills past 5 PB at $0.020', () => {
    const fivePb = 5 * 1_048_576;
    expect(tieredCost(free + fivePb + 1_000, price) - tieredCost(free + fivePb, price)).toBeCloseTo(20, 6);
  });
});

describe('free tiers', () => {
  /** Only takedowns: each one folded into one wildcard path. */
  const takedownsOnly = (perMonth: number) =>
    costModel(assumptions({ imagesPerDay: 0, uploadsPerDay: 0, takedownsPerDay: perMonth / 30, daysPerMonth: 30 }));

  it('bills no invalidation for the first 1,000 paths of a month', () => {
    expect(usdPerMonth(takedownsOnly(1_000), 'Invalidation paths')).toBeCloseTo(0, 9);
  });

  it('bills $0.005 a path past 1,000', () => {
    expect(usdPerMonth(takedownsOnly(1_020), 'Invalidation paths')).toBeCloseTo(0.1, 9);
  });

  it('applies each unit price allowance before billing', () => {
    expect(unitCost(10_000_000, PRICES.cloudfrontHttpsRequests)).toBe(0);
    expect(unitCost(10_010_000, PRICES.cloudfrontHttpsRequests)).toBeCloseTo(0.01, 12);
    expect(unitCost(400_000, PRICES.lambdaGbSecondsX86)).toBe(0);
    expect(unitCost(1_000_000, PRICES.lambdaEdgeRequests)).toBeCloseTo(0.6, 12);
  });
});

describe('invalidation load', () => {
  it('bills groups past the 15 in-flight wildcards path by path', () => {
    // 8,640 groups/day / 1,440 × 5 min = 30 in flight: 15 wildcards + 15 × 16 paths
    const load = invalidationLoad(8_640, { flushMinutes: 1, invalidationMinutes: 5, variantsPerOriginal: 16 });
    expect(load.groupsInFlight).toBeCloseTo(30, 9);
    expect(load.wildcardsInFlight).toBe(15);
    expect(load.pathsInFlight).toBeCloseTo(15 + 15 * 16, 9);
    expect(load.billedPathsPerGroup).toBeCloseTo(0.5 * 1 + 0.5 * 16, 9);
  });

  it('keeps a flush in flight through the flushes its invalidations outlast', () => {
    // Flush every 2 min: 1,440 groups/day → 2 per flush; 5-min invalidations span
    // ceil(5 / 2) = 3 flushes → 6 groups in flight.
    const load = invalidationLoad(1_440, { flushMinutes: 2, invalidationMinutes: 5, variantsPerOriginal: 16 });
    expect(load.groupsPerFlush).toBeCloseTo(2, 9);
    expect(load.groupsInFlight).toBeCloseTo(6, 9);
  });

  it('never folds groups smaller than 4 paths', () => {
    const load = invalidationLoad(1_440, { flushMinutes: 1, invalidationMinutes: 5, variantsPerOriginal: 3 });
    expect(load.wildcardsInFlight).toBe(0);
    expect(load.pathsInFlight).toBeCloseTo(5 * 3, 9);
    expect(load.billedPathsPerGroup).toBe(3);
  });
});

describe('hit ratios at the extremes', () => {
  it('runs no edge compute when every request hits the edge cache', () => {
    const model = costModel(assumptions({ edgeHitRatio: 1 }));
    expect(model.daily.edgeInvocations).toBe(0);
    for (const name of ['Origin Shield requests', 'Lambda@Edge requests', 'Lambda@Edge compute']) {
      expect(usdPerMonth(model, name), name).toBe(0);
    }
    // S3 still serves the pipeline (render-task HEADs), not the edge.
    expect(model.daily.variantGets).toBe(model.daily.variantPuts);
  });

  it('renders every request when nothing is cached and nothing is stored', () => {
    const a = assumptions({ imagesPerDay: 1e6, edgeHitRatio: 0, shieldHitRatio: 0, rendersPerShieldMiss: 1 });
    const model = costModel(a);
    expect(model.daily.edgeRenders).toBe(1e6);
    // Each request: the lookup on the variants origin, then the render after failover.
    expect(model.daily.edgeInvocations).toBe(2e6);
    expect(model.daily.edgeGbSeconds).toBeCloseTo((1e6 * (a.meanVariantLookupMs + a.meanOriginalFetchMs + a.meanRenderMs) * 3008) / 1024 / 1000, 3);
    expect(usdPerMonth(model, 'Lambda@Edge requests')).toBeCloseTo(2e6 * 30 * 0.6e-6, 6);
  });
});

describe('monotonicity', () => {
  it('never costs less for more images', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e11, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }), (images, factor) => {
        const fewer = costModel(assumptions({ imagesPerDay: images }));
        const more = costModel(assumptions({ imagesPerDay: images * factor }));
        // Rounding may move a sum by a few ulps when the factor is 1 + 2^-52.
        const atLeast = (usd: number) => usd * (1 - 1e-12);
        expect(more.usdPerDay).toBeGreaterThanOrEqual(atLeast(fewer.usdPerDay));
        more.lineItems.forEach((line, i) => expect(line.usdPerMonth, line.name).toBeGreaterThanOrEqual(atLeast(fewer.lineItems[i]!.usdPerMonth)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('assumptions', () => {
  it('scale uploads and takedowns with images unless given', () => {
    expect(assumptions({ imagesPerDay: 1e10 })).toMatchObject({ uploadsPerDay: 1e7, takedownsPerDay: 1e4 });
    expect(assumptions({ imagesPerDay: 1e10, uploadsPerDay: 5 })).toMatchObject({ uploadsPerDay: 5, takedownsPerDay: 0.005 });
  });

  it('refuse a ratio above 1 or a negative count, naming it', () => {
    expect(() => assumptions({ edgeHitRatio: 1.2 })).toThrow(/edgeHitRatio must be between 0 and 1/);
    expect(() => assumptions({ uploadsPerDay: -1 })).toThrow(/uploadsPerDay must be a finite number ≥ 0/);
    expect(() => costModel({ ...assumptions(), meanVariantBytes: Number.NaN })).toThrow(RangeError);
  });
});
