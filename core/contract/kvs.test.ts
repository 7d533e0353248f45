import { describe, expect, it } from 'vitest';
import { tenantConfigKey, tenantConfigProblem } from './kvs.ts';
import { DEFAULT_LADDER, MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION, MAX_TENANT_LENGTH } from './limits.ts';

/** CloudFront KeyValueStore key limit (docs/aws-limits.md §A). */
const KVS_MAX_KEY_LENGTH = 512;

const rungs = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) * 100);

describe('tenantConfigProblem', () => {
  it('accepts a config without a ladder', () => {
    expect(tenantConfigProblem({})).toBeUndefined();
  });

  it('accepts the default ladder', () => {
    expect(tenantConfigProblem({ ladder: DEFAULT_LADDER })).toBeUndefined();
  });

  it('accepts a single rung at each end of the range', () => {
    expect(tenantConfigProblem({ ladder: [1] })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: [MAX_OUTPUT_DIMENSION] })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: [1, MAX_OUTPUT_DIMENSION] })).toBeUndefined();
  });

  it('rejects an empty ladder', () => {
    expect(tenantConfigProblem({ ladder: [] })).toBe(`ladder must have 1..${MAX_LADDER_RUNGS} rungs`);
  });

  it(`accepts MAX_LADDER_RUNGS (${MAX_LADDER_RUNGS}) rungs and rejects one more`, () => {
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS) })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS + 1) })).toBe(`ladder must have 1..${MAX_LADDER_RUNGS} rungs`);
  });

  it('rejects descending and repeated rungs', () => {
    expect(tenantConfigProblem({ ladder: [200, 100] })).toBe('ladder rungs must be strictly ascending');
    expect(tenantConfigProblem({ ladder: [100, 100] })).toBe('ladder rungs must be strictly ascending');
    expect(tenantConfigProblem({ ladder: [100, 300, 200] })).toBe('ladder rungs must be strictly ascending');
  });

  it.each([0, -1, MAX_OUTPUT_DIMENSION + 1])('rejects the out-of-range rung %d', (rung) => {
    expect(tenantConfigProblem({ ladder: [rung] })).toBe(`ladder rung ${rung} is outside 1..${MAX_OUTPUT_DIMENSION}`);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the non-integer rung %d', (rung) => {
    expect(tenantConfigProblem({ ladder: [64, rung] })).toMatch(/^ladder rung .* is outside/);
  });

  it('rejects a rung that is not a number at all (config read from JSON)', () => {
    const ladder = JSON.parse('[64, "128"]') as number[];
    expect(tenantConfigProblem({ ladder })).toMatch(/^ladder rung 128 is outside/);
  });
});

describe('KeyValueStore keys', () => {
  it('prefixes tenant configs with t:, and the longest tenant name fits a key', () => {
    expect(tenantConfigKey('demo')).toBe('t:demo');
    expect(tenantConfigKey('a'.repeat(MAX_TENANT_LENGTH)).length).toBeLessThanOrEqual(KVS_MAX_KEY_LENGTH);
  });
});
