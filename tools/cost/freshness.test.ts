import { describe, expect, it } from 'vitest';
import { ENTRY_LENGTH, FRESHNESS_SLOTS, FRESHNESS_WINDOW_SECONDS, MAX_SLOT_ENTRIES } from '../../core/contract/index.ts';
import { ENTRY_BYTES, KVS_MAX_BYTES, liveEntries, SLOT_KEY_BYTES, slotLoad, storeBytes, TENANT_BYTES } from './freshness.ts';

describe('KeyValueStore bytes', () => {
  it('counts every slot key with its empty value: 65,536 × (`s:xxxx` + `-`) = 458,752 bytes', () => {
    expect(FRESHNESS_SLOTS).toBe(65_536);
    expect(SLOT_KEY_BYTES).toBe(65_536 * 7);
  });

  it('counts an entry as `{12 hex}={8 base-36}` and a space: 22 bytes, ENTRY_LENGTH of the contract', () => {
    expect(ENTRY_BYTES).toBe(22);
    expect(ENTRY_BYTES).toBe(ENTRY_LENGTH);
  });

  it('estimates a tenant at its longest: `t:` + 32, a 154-character config, and the larger signing mode (5 key-group keys)', () => {
    // config key 34 + {"ladder":[24 four-digit rungs],"signing":"key-group"} 154
    // + max(hmac: 2 × (`k:{32}:{32}` 67 + secret 43) = 220, key-group: 5 × (`p:{32}` 34 + tenant 32) = 330)
    expect(TENANT_BYTES).toBe(34 + 154 + 330);
  });

  it('keeps each entry one window: 24 h of edge TTL, 1 h stale on error and 1 h of margin = 93,600 s', () => {
    expect(FRESHNESS_WINDOW_SECONDS).toBe(93_600);
    expect(liveEntries(0.5)).toBe(46_800);
  });

  it('adds them up, against 5,000,000 bytes', () => {
    expect(storeBytes(35_750, 1_000)).toEqual({ slotKeys: 458_752, entries: 786_500, tenants: 518_000, total: 1_763_252 });
    expect(KVS_MAX_BYTES).toBe(5_000_000);
    // The entries that fill a store with 1,000 tenants: (5e6 − 458,752 − 518,000) / 22
    expect(storeBytes((5e6 - 458_752 - 518_000) / 22, 1_000).total).toBeCloseTo(5e6, 6);
  });
});

/** P(X = k) for X ~ Poisson(λ), directly. */
const pmf = (lambda: number, k: number) => {
  let p = Math.exp(-lambda);
  for (let i = 1; i <= k; i++) p *= lambda / i;
  return p;
};

describe('the fullest slot (Poisson slot loads)', () => {
  it('is the mean itself with one slot', () => {
    expect(slotLoad(2.5, 1).expectedFullest).toBeCloseTo(2.5, 9);
    expect(slotLoad(0, FRESHNESS_SLOTS)).toEqual({ meanPerSlot: 0, expectedFullest: 0, overflowProbability: 0 });
  });

  it('is E[max(X, Y)] of two independent Poisson slots, summed over their joint distribution', () => {
    const lambda = 1.5;
    let expected = 0;
    for (let x = 0; x < 60; x++) for (let y = 0; y < 60; y++) expected += Math.max(x, y) * pmf(lambda, x) * pmf(lambda, y);
    expect(slotLoad(2 * lambda, 2).expectedFullest).toBeCloseTo(expected, 9);
  });

  it('overflows with the Poisson tail: one slot of mean 2 holding more than 3 = 1 − e^-2 (1 + 2 + 2 + 4/3)', () => {
    expect(slotLoad(2, 1, 3).overflowProbability).toBeCloseTo(1 - Math.exp(-2) * (1 + 2 + 2 + 4 / 3), 12);
    // Any of 1,000 such slots: 1 − (1 − p)^1,000.
    const p = 1 - Math.exp(-2) * (1 + 2 + 2 + 4 / 3);
    expect(slotLoad(2_000, 1_000, 3).overflowProbability).toBeCloseTo(1 - (1 - p) ** 1_000, 12);
  });

  it('agrees with throwing the entries into the slots at random', () => {
    // 35,750 entries (1B images/day at peak) into 65,536 slots, 40 times, with a seeded mulberry32.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const counts = new Uint16Array(FRESHNESS_SLOTS);
    let sum = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) {
      counts.fill(0);
      let max = 0;
      for (let i = 0; i < 35_750; i++) max = Math.max(max, ++counts[Math.floor(random() * FRESHNESS_SLOTS)]!);
      sum += max;
    }
    expect(Math.abs(sum / trials - slotLoad(35_750, FRESHNESS_SLOTS).expectedFullest)).toBeLessThan(0.35);
  });

  it('stays far from 46 at 10B images/day (357,500 entries: 5.5 a slot, the fullest about 18)', () => {
    const load = slotLoad(357_500, FRESHNESS_SLOTS);
    expect(load.meanPerSlot).toBeCloseTo(357_500 / 65_536, 12);
    expect(load.expectedFullest).toBeGreaterThan(16);
    expect(load.expectedFullest).toBeLessThan(20);
    expect(load.overflowProbability).toBeLessThan(1e-12);
  });

  it('grows with the entries and passes 46 between 1.45M and 1.50M entries (23 a slot), when a full slot somewhere is already likely', () => {
    let previous = 0;
    for (const entries of [1e4, 1e5, 1e6, 1.45e6, 1.5e6, 1e7]) {
      const load = slotLoad(entries, FRESHNESS_SLOTS);
      expect(load.expectedFullest).toBeGreaterThan(previous);
      previous = load.expectedFullest;
    }
    expect(MAX_SLOT_ENTRIES).toBe(46);
    expect(slotLoad(1.45e6, FRESHNESS_SLOTS).expectedFullest).toBeLessThan(MAX_SLOT_ENTRIES);
    expect(slotLoad(1.5e6, FRESHNESS_SLOTS).expectedFullest).toBeGreaterThan(MAX_SLOT_ENTRIES);
    // The expectation is a middle: at 1.45M entries some slot is full a sixth of the time.
    expect(slotLoad(1.45e6, FRESHNESS_SLOTS).overflowProbability).toBeGreaterThan(0.15);
  });

  it('handles a mean far past any real load (normal-sized tail, no overflow of the arithmetic)', () => {
    const load = slotLoad(1e12, FRESHNESS_SLOTS);
    const lambda = 1e12 / FRESHNESS_SLOTS;
    expect(load.expectedFullest).toBeGreaterThan(lambda);
    expect(load.expectedFullest).toBeLessThan(lambda + 6 * Math.sqrt(lambda));
    expect(load.overflowProbability).toBe(1);
  });
});
