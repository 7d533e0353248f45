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
 * (50 new keys, 50 re-uploads), 3 takedowns.
 */
const TINY: Assumptions = assumptions({
  imagesPerDay: 1_000_000,
  uploadsPerDay: 100,
  takedownsPerDay: 3,
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
  dynamoReadsPerCurrentCheck: 1,
  tenants: 10,
  cells: 1,
});

describe('costModel on a tiny profile computed by hand', () => {
  const model = costModel(TINY);

  // Request path, per day: edge misses 1e6 × 0.1 = 100,000; shield misses (variant
  // lookups) 100,000 × 0.5 = 50,000; edge renders 50,000 × 0.1 = 5,000.
  //
  // Pipeline, per execution (asl/, see workflow-transitions.test.ts):
  //   new upload 7 transitions (ObjectCreated?, a Choice, and FirstGeneration, a Pass, count), Lambda:
  //              validate, record                                            (2)
  //   re-upload  10 transitions (Current?, a Choice, and StartExpiry count), Lambda: validate,
  //              record, advance-generation, delete-variants                 (4)
  //   render     16 transitions, Lambda: plan + 12 render-variant           (13)
  //   takedown   9 transitions (StartExpiry counts), Lambda: 5
  //   generation expiry 8 transitions (2 Waits, 2 Choices), Lambda: promote, remove, delete (3)
  //   deny expiry       4 transitions, Lambda: remove (it sweeps)        (1)
  //   flush with a batch 8 transitions, Lambda: read, plan, claim, mark     (4)
  //   empty flush        4 transitions, Lambda: read, plan                  (2)
  // Invalidation groups/day = the 3 takedowns only (re-uploads move their generation
  // instead) → 3 busy flushes, 1,440 − 3 = 1,437 empty ones. In flight: 3 / 1,440 × 5 min
  // = 0.01 groups × 16 = 0.17 paths, far within 3,000: every group goes out as its 16
  // exact paths, 1 batch per busy flush.
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
    // 50×7 + 50×10 + 100×16 + 3×9 + 50×8 + 3×4 + 3×8 + 1,437×4 = 350 + 500 + 1,600 + 27 + 400 + 12 + 24 + 5,748
    // = 8,661/day × 30 = 259,830 × $0.025/1,000
    'Step Functions transitions': 6.49575,
    // 50×2 + 50×4 + 100×13 + 3×5 + 50×3 + 3×1 + 3×4 + 1,437×2 = 4,654/day × 30 = 139,620 < 1M free
    'Lambda task requests': 0,
    // 1,200 renders × 0.25 s × 1 GB + 100 validations × 0.5 s × 2 GB = 400 GB-s/day
    // × 30 = 12,000 < 400,000 free
    'Lambda task compute x86_64': 0,
    // (4,654 − 1,200 − 100) = 3,354 × 0.1 s × 0.5 GB = 167.7 GB-s/day × 30 = 5,031 × $0.0000133334
    'Lambda task compute arm64': 0.0670803354,
    // 4,654 invocations × 3 writes × 30 = 418,860 × $0.625/M
    'DynamoDB writes': 0.2617875,
    // (1,200 render tasks + 50 advance-generations) × 1 consistent GetItem × 30 = 37,500 × $0.125/M
    'DynamoDB reads': 0.0046875,
    // 3 groups × 16 exact paths × 30 = 1,440 − 1,000 free = 440 × $0.005
    'Invalidation paths': 2.2,
  };

  it.each(Object.entries(expected))('prices %s', (name, usd) => {
    expect(usdPerMonth(model, name)).toBeCloseTo(usd, 6);
  });

  it('has exactly these line items', () => {
    expect(model.lineItems.map((line) => line.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it('totals them: $2,442.47568/month, $81.40/day and per million images', () => {
    // Sum of the above = 2,442.4756753354
    expect(model.usdPerMonth).toBeCloseTo(2_442.4756753354, 6);
    expect(model.usdPerDay).toBeCloseTo(2_442.4756753354 / 30, 6);
    expect(model.usdPerMillionImages).toBeCloseTo(2_442.4756753354 / 30, 6);
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
  /** Only takedowns: each one sent as its 16 exact paths (far within the 3,000 in flight). */
  const takedownsOnly = (pathsPerMonth: number) =>
    costModel(assumptions({ imagesPerDay: 0, uploadsPerDay: 0, takedownsPerDay: pathsPerMonth / 16 / 30, daysPerMonth: 30 }));

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

describe('invalidation load under the planner rule (exact paths first, a wildcard only when they do not fit)', () => {
  const rule = { flushMinutes: 1, invalidationMinutes: 5, variantsPerOriginal: 16 };

  it('sends every group as its exact paths while they fit the 3,000 in flight: no wildcard, 16 paths billed', () => {
    // 8,640 groups/day / 1,440 × 5 min = 30 in flight × 16 = 480 paths
    const load = invalidationLoad(8_640, rule);
    expect(load.groupsInFlight).toBeCloseTo(30, 9);
    expect(load.pathsInFlight).toBeCloseTo(480, 9);
    expect(load.wildcardsWanted).toBe(0);
    expect(load.wildcardsInFlight).toBe(0);
    expect(load.billedPathsPerGroup).toBe(16);
  });

  it('past 3,000 exact paths, uses just enough wildcards to keep the paths at 3,000', () => {
    // 56,160/day → 195 groups in flight → 3,120 exact paths; each wildcard frees 15 → 120 / 15 = 8
    const load = invalidationLoad(56_160, rule);
    expect(load.groupsInFlight).toBeCloseTo(195, 9);
    expect(load.exactPathsWanted).toBeCloseTo(3_120, 9);
    expect(load.wildcardsWanted).toBeCloseTo(8, 9);
    expect(load.wildcardsInFlight).toBeCloseTo(8, 9);
    expect(load.pathsInFlight).toBeCloseTo(3_000, 9);
    expect(load.billedPathsPerGroup).toBeCloseTo(16 - (8 / 195) * 15, 9);
  });

  it('holds at most (3,000 + 15 × 15) / 16 = 201.5625 groups in flight; past that the paths pass 3,000 (groups wait)', () => {
    expect(invalidationLoad(0, rule).groupCapacity).toBeCloseTo(201.5625, 9);
    // 210 in flight: 3,360 exact paths want 24 wildcards, 15 are sent: 3,360 − 225 = 3,135 paths
    const load = invalidationLoad((210 / 5) * 1_440, rule);
    expect(load.wildcardsWanted).toBeCloseTo(24, 9);
    expect(load.wildcardsInFlight).toBe(15);
    expect(load.pathsInFlight).toBeCloseTo(3_135, 9);
  });

  it('keeps a flush in flight through the flushes its invalidations outlast', () => {
    // Flush every 2 min: 1,440 groups/day → 2 per flush; 5-min invalidations span
    // ceil(5 / 2) = 3 flushes → 6 groups in flight.
    const load = invalidationLoad(1_440, { ...rule, flushMinutes: 2 });
    expect(load.groupsPerFlush).toBeCloseTo(2, 9);
    expect(load.groupsInFlight).toBeCloseTo(6, 9);
  });

  it('never sends a one-path group as a wildcard: it would save nothing', () => {
    const load = invalidationLoad(1_440_000, { ...rule, variantsPerOriginal: 1 });
    expect(load.pathsInFlight).toBeCloseTo(5_000, 6);
    expect(load.wildcardsWanted).toBe(0);
    expect(load.billedPathsPerGroup).toBe(1);
  });
});

describe('DynamoDB reads', () => {
  it('bills one read request unit per render task and per generation advance (each a consistent GetItem) at $0.125 per million', () => {
    const model = costModel(assumptions({ imagesPerDay: 1e9 }));
    const renderTasks = model.daily.variantPuts - model.daily.edgeRenders;
    expect(renderTasks).toBeCloseTo(1e6 * 12, 3);
    // 1M uploads × 12 renders + 10,000 re-uploads × 1 advance-generation = 12,010,000 a day
    expect(model.daily.reuploads).toBeCloseTo(10_000, 6);
    expect(model.daily.dynamoReads).toBeCloseTo(renderTasks + 10_000, 3);
    expect(usdPerMonth(model, 'DynamoDB reads')).toBeCloseTo((12_010_000 * 30 * 0.125) / 1e6, 6);
  });
});

describe('cells in the bill', () => {
  it('change nothing but the invalidation paths, which each cell plans against its own budget', () => {
    const one = costModel(assumptions({ imagesPerDay: 1e10 }));
    const three = costModel(assumptions({ imagesPerDay: 1e10, cells: 3 }));
    for (const [i, line] of one.lineItems.entries()) expect(three.lineItems[i]!.usdPerMonth, line.name).toBeCloseTo(line.usdPerMonth, 6);
  });

  it('bill each cell what its own planner submits', () => {
    // 56,160 takedowns/day: one distribution has 195 groups in flight, 8 of them as wildcards;
    // three have 65 each, all exact (1,040 paths).
    const paths = (cells: number) => costModel(assumptions({ imagesPerDay: 0, uploadsPerDay: 0, takedownsPerDay: 56_160, cells })).daily.invalidationPaths;
    expect(paths(1)).toBeCloseTo(56_160 * (16 - (8 / 195) * 15), 6);
    expect(paths(3)).toBeCloseTo(56_160 * 16, 6);
  });

  it('refuse a number of cells that is not a whole number ≥ 1', () => {
    expect(() => assumptions({ cells: 0 })).toThrow(/cells must be a whole number ≥ 1/);
    expect(() => assumptions({ cells: 1.5 })).toThrow(/cells must be a whole number ≥ 1/);
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
