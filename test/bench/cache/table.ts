/**
 * Benchmark table 4 (issue 6), cache effectiveness: one seeded trace replayed
 * with raw query-string keys and with the contract's normalized keys, through
 * a bounded LRU per edge location and one Origin Shield LRU.
 *
 * `npm run bench -- --only 4` prints it; test/bench/cache-table.ts runs one
 * trace with other parameters from the command line.
 */
import { simulate, type Capacity, type KeyMode, type SimulationResult } from './simulate.ts';
import { DEFAULT_TRACE_OPTIONS, generateTrace, type TraceOptions } from './trace.ts';

export const GIB = 2 ** 30;

/**
 * Edge: 2 GiB per POP. A POP's cache is shared with every other CloudFront
 * customer and evicts what is cold, so one mid-size distribution keeps only
 * part of its images resident: with the default trace that is ~20% of the
 * busiest POP's normalized working set (~10 GiB) and all of the quietest's
 * (~0.6 GiB). Shield: 16 GiB, since a regional edge cache is far larger: ~60%
 * of the normalized working set (~27 GiB), ~15% of the raw one (~111 GiB).
 * Hit ratios move little with either (0.5 GiB to unbounded edges: normalized
 * edge hits 46% → 58%); first requests, not evictions, are most misses.
 */
export const DEFAULT_EDGE_CAPACITY: Capacity = { bytes: 2 * GIB };
export const DEFAULT_SHIELD_CAPACITY: Capacity = { bytes: 16 * GIB };

export interface CacheEffectivenessOptions {
  /** Requests counted; default 1,000,000. */
  readonly requests?: number;
  readonly seed?: number;
  /** Requests replayed before counting starts (caches warm, not counted); default 0, a cold start. */
  readonly warmup?: number;
  /** Other trace parameters (catalog size, Zipf exponent, POPs, junk…). */
  readonly trace?: Partial<Omit<TraceOptions, 'seed' | 'requests'>>;
  readonly edge?: Capacity;
  readonly shield?: Capacity;
}

export interface CacheEffectiveness {
  /** One row per key mode: raw first, then normalized. */
  readonly rows: readonly SimulationResult[];
  /** Distinct keys, raw / normalized (issue 6's goal: ≥ 20). */
  readonly keyRatio: number;
  readonly elapsedMs: number;
  readonly settings: {
    readonly trace: TraceOptions;
    readonly warmup: number;
    readonly edge: Capacity;
    readonly shield: Capacity;
  };
}

const KEY_MODES: readonly KeyMode[] = ['raw', 'normalized'];

/** Runs both key modes over the same trace. Pure apart from the clock: prints nothing. */
export function cacheEffectiveness(options: CacheEffectivenessOptions = {}): CacheEffectiveness {
  const started = performance.now();
  const warmup = options.warmup ?? 0;
  const trace = generateTrace({
    ...options.trace,
    seed: options.seed ?? DEFAULT_TRACE_OPTIONS.seed,
    requests: (options.requests ?? DEFAULT_TRACE_OPTIONS.requests) + warmup,
  });
  const edge = options.edge ?? DEFAULT_EDGE_CAPACITY;
  const shield = options.shield ?? DEFAULT_SHIELD_CAPACITY;
  const rows = KEY_MODES.map((keyMode) => simulate(trace, { keyMode, edge, shield, warmup }));
  const [raw, normalized] = rows as [SimulationResult, SimulationResult];
  return {
    rows,
    keyRatio: raw.distinctKeys / normalized.distinctKeys,
    elapsedMs: performance.now() - started,
    settings: { trace: trace.options, warmup, edge, shield },
  };
}

const describeCapacity = (capacity: Capacity) =>
  'entries' in capacity ? `${capacity.entries.toLocaleString('en-US')} entries` : `${(capacity.bytes / GIB).toFixed(1)} GiB`;

/** One line of what the run assumed: the trace's parameters and the cache sizes. */
export function describeSettings(result: CacheEffectiveness): string {
  const { trace, warmup, edge, shield } = result.settings;
  return (
    `Trace: seed ${trace.seed}, ${trace.originals.toLocaleString('en-US')} originals, Zipf s=${trace.zipf}, ${trace.pops} POPs (Zipf s=${trace.popZipf}), ` +
    `junk ${100 * trace.junkRate}%, ad hoc ${100 * trace.adHocRate}%, malformed ${100 * trace.malformedRate}%, warm-up ${warmup.toLocaleString('en-US')}; ` +
    `caches: ${describeCapacity(edge)} LRU per POP, ${describeCapacity(shield)} LRU shield.`
  );
}
