import { describe, expect, it } from 'vitest';
import { cacheEntry, simulate, type Capacity, type SimulateOptions } from './simulate.ts';
import { cacheEffectiveness } from './table.ts';
import { ACCEPT_HEADERS, generateTrace, mulberry32, zipfSampler, type TraceRequest } from './trace.ts';

// A byte bound, not an entry bound: lru-cache preallocates `max` slots per cache.
const UNBOUNDED: Capacity = { bytes: 2 ** 50 };
const both = (keyMode: SimulateOptions['keyMode'], capacity: Capacity = UNBOUNDED): SimulateOptions => ({
  keyMode,
  edge: capacity,
  shield: capacity,
});
const request = (query: string, overrides: Partial<TraceRequest> = {}): TraceRequest => ({
  pop: 0,
  uri: '/demo/photos/cat.jpg',
  query,
  accept: ACCEPT_HEADERS.chromium,
  ...overrides,
});
const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);

describe('trace', () => {
  it('is a pure function of its seed', () => {
    const a = [...generateTrace({ seed: 7, requests: 2_000 })];
    expect([...generateTrace({ seed: 7, requests: 2_000 })]).toEqual(a);
    const trace = generateTrace({ seed: 7, requests: 2_000 });
    expect([...trace]).toEqual([...trace]); // iterating again replays it
    expect([...generateTrace({ seed: 8, requests: 2_000 })]).not.toEqual(a);
  });

  it('draws the top item of Zipf(s=1) over N items about 1/H_N of the time', () => {
    const n = 1_000;
    const draws = 20_000;
    const pick = zipfSampler(n, 1);
    const rng = mulberry32(1);
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[pick(rng)]!++;
    let harmonic = 0;
    for (let k = 1; k <= n; k++) harmonic += 1 / k;
    // 1/H_1000 ≈ 0.134; the binomial's standard deviation here is ≈ 0.0024.
    expect(Math.abs((counts[0] as number) / draws - 1 / harmonic)).toBeLessThan(0.01);
    expect(Math.max(...counts)).toBe(counts[0]);
  });
});

describe('simulate', () => {
  it('finds no more normalized keys than raw ones on generated traces', () => {
    for (const seed of [1, 2, 3]) {
      const trace = generateTrace({ seed, requests: 20_000 });
      const raw = simulate(trace, both('raw'));
      const normalized = simulate(trace, both('normalized'));
      expect(normalized.distinctKeys).toBeLessThan(raw.distinctKeys);
      expect(normalized.edgeHits).toBeGreaterThan(raw.edgeHits);
    }
  });

  it('misses only the first of identical requests, and only once per POP at the shield', () => {
    for (const keyMode of ['raw', 'normalized'] as const) {
      expect(simulate(repeat(request('w=750'), 100), both(keyMode))).toMatchObject({
        requests: 100, distinctKeys: 1, edgeHits: 99, shieldHits: 0, originFetches: 1, renders: 1,
      });
      const acrossPops = [0, 1, 2].flatMap((pop) => repeat(request('w=750', { pop }), 10));
      expect(simulate(acrossPops, both(keyMode))).toMatchObject({ edgeHits: 27, shieldHits: 2, originFetches: 1, renders: 1 });
    }
  });

  it('never makes a key of junk params in normalized mode, and does in raw mode', () => {
    const clean = [...generateTrace({ seed: 5, requests: 20_000, junkRate: 0 })];
    const junky = [...generateTrace({ seed: 5, requests: 20_000, junkRate: 0.5 })];
    // Junk has its own PRNG stream: the same requests, some with params appended.
    expect(junky.filter((r, i) => r.query !== clean[i]?.query).length).toBeGreaterThan(8_000);
    junky.forEach((r, i) => {
      const base = clean[i] as TraceRequest;
      expect({ ...r, query: r.query.slice(0, base.query.length) }).toEqual(base);
      expect(cacheEntry(r, 'normalized')?.key).toBe(cacheEntry(base, 'normalized')?.key);
    });
    expect(simulate(junky, both('normalized'))).toEqual(simulate(clean, both('normalized')));
    expect(simulate(junky, both('raw')).distinctKeys).toBeGreaterThan(1.2 * simulate(clean, both('raw')).distinctKeys);
  });

  it('keys fmt=auto by the negotiated format in normalized mode only', () => {
    const avif = request('w=640&fmt=auto', { accept: ACCEPT_HEADERS.chromium });
    const any = request('w=640&fmt=auto', { accept: ACCEPT_HEADERS.bot });
    expect(cacheEntry(avif, 'normalized')?.key).toBe('/demo/photos/cat.jpg?fmt=avif&q=75&w=640');
    expect(cacheEntry(any, 'normalized')?.key).toBe('/demo/photos/cat.jpg?fmt=jpeg&q=75&w=640');
    expect(cacheEntry(avif, 'raw')?.key).toBe(cacheEntry(any, 'raw')?.key);
  });

  it('answers requests the contract rejects before the cache in normalized mode', () => {
    const trace = [request('w=NaN'), request('w=NaN'), request('w=640')];
    expect(simulate(trace, both('normalized'))).toMatchObject({ requests: 3, rejected: 2, lookups: 1, distinctKeys: 1, originFetches: 1 });
    expect(simulate(trace, both('raw'))).toMatchObject({ rejected: 0, lookups: 3, distinctKeys: 2, edgeHits: 1, originFetches: 2 });
  });

  it('misses every request when the caches hold nothing, but renders each variant once: the bucket keeps it', () => {
    const same = repeat(request('w=750'), 20);
    for (const capacity of [{ entries: 0 }, { bytes: 0 }, { bytes: 1 }]) {
      expect(simulate(same, both('normalized', capacity))).toMatchObject({ edgeHits: 0, shieldHits: 0, originFetches: 20, renders: 1 });
    }
    const alternating = Array.from({ length: 20 }, (_, i) => request(i % 2 === 0 ? 'w=750' : 'w=1200'));
    expect(simulate(alternating, both('normalized', { entries: 1 }))).toMatchObject({ edgeHits: 0, shieldHits: 0, originFetches: 20, renders: 2 });
    expect(simulate(same, both('normalized', { entries: 1 }))).toMatchObject({ edgeHits: 19, originFetches: 1, renders: 1 });
  });

  it('renders nothing for a standard variant pre-rendered on upload, and renders any other once', () => {
    const standard = simulate([request('w=640&fmt=webp')], both('normalized'));
    expect(standard).toMatchObject({ originFetches: 1, renders: 0 });
    // 700 snaps up to the 750 rung, which no standard width lands on; q=40 is not the default quality.
    const adHoc = simulate([request('w=700&fmt=webp'), request('w=640&fmt=webp&q=40')], both('normalized'));
    expect(adHoc).toMatchObject({ originFetches: 2, renders: 2 });
  });

  it('counts nothing during the warm-up but keeps what it cached', () => {
    const result = simulate(repeat(request('w=640'), 10), { ...both('normalized'), warmup: 1 });
    expect(result).toMatchObject({ requests: 9, distinctKeys: 1, edgeHits: 9, originFetches: 0, renders: 0, edgeHitRatio: 1 });
  });
});

describe('cacheEffectiveness', () => {
  it('runs both modes over one trace and reports their key ratio', () => {
    const result = cacheEffectiveness({ requests: 5_000, seed: 3 });
    expect(result.rows.map((row) => row.keyMode)).toEqual(['raw', 'normalized']);
    expect(result.rows.every((row) => row.requests === 5_000)).toBe(true);
    const [raw, normalized] = result.rows;
    expect(result.keyRatio).toBe(raw!.distinctKeys / normalized!.distinctKeys);
    expect(result.settings.trace.seed).toBe(3);
  });
});
