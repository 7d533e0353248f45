import { describe, expect, it } from 'vitest';
import { keysPerOriginal } from './key-space.ts';
import { aspectRatio, tenantConfigKey, tenantConfigProblem, tenantPolicy } from './kvs.ts';
import { DEFAULT_BACKGROUND, DEFAULT_LADDER, MAX_ASPECT_RATIOS, MAX_KEYS_PER_ORIGINAL, MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION, MAX_RATIO_TERM, MAX_TENANT_LENGTH } from './limits.ts';

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

  it(`accepts MAX_LADDER_RUNGS (${MAX_LADDER_RUNGS}) rungs (with h held to ratios, inside MAX_KEYS_PER_ORIGINAL) and rejects one more`, () => {
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), ratios: [[1, 1]] })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS + 1), ratios: [[1, 1]] })).toBe(`ladder must have 1..${MAX_LADDER_RUNGS} rungs`);
  });

  it(`refuses a config that allows more than MAX_KEYS_PER_ORIGINAL (${MAX_KEYS_PER_ORIGINAL}) variants of an original, saying how to fit`, () => {
    // 12 rungs, h on the ladder, every quality and fit: the default's 9,616, at the edge.
    expect(tenantConfigProblem({ ladder: rungs(12) })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: rungs(13) })).toBe(
      `this config allows 11248 variants of each original, more than ${MAX_KEYS_PER_ORIGINAL}: use fewer ladder rungs, or restrict h (ratios), q (qualities) or fit (fits)`,
    );
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS) })).toMatch(/^this config allows 37648 variants/);
    // 24 rungs fit once h is held to 5 ratios: (25 + 24 + 24 × 5 × 4) × 16 = 8,464; a sixth is past it.
    const five: Array<[number, number]> = [[1, 1], [4, 3], [3, 2], [16, 9], [2, 1]];
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), ratios: five })).toBeUndefined();
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), ratios: [...five, [21, 9]] })).toMatch(/^this config allows 10000 variants/);
    // …or once q is: (49 + 576 × 4) × (3 × 2 + 1) = 16,471 is still past it; a single step, × 4 = 9,412, fits.
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), qualities: [60, 85] })).toMatch(/^this config allows 16471 variants/);
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), qualities: [75] })).toBeUndefined();
    // …or once fit is: inside alone, (49 + 576) × 16 = 10,000 is past it; with two qualities, × 7 = 4,375, it fits.
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), fits: ['inside'] })).toMatch(/^this config allows 10000 variants/);
    expect(tenantConfigProblem({ ladder: rungs(MAX_LADDER_RUNGS), fits: ['inside'], qualities: [40, 95] })).toBeUndefined();
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

describe('a tenant restricting q, h and fit', () => {
  it('takes qualities that are some of QUALITY_STEPS, ascending, and refuses anything else', () => {
    expect(tenantConfigProblem({ qualities: [75] })).toBeUndefined();
    expect(tenantConfigProblem({ qualities: [40, 60, 75, 85, 95] })).toBeUndefined();
    for (const qualities of [[], [70], [85, 60], [60, 60], JSON.parse('["75"]')]) {
      expect(tenantConfigProblem({ qualities }), JSON.stringify(qualities)).toBe('qualities must be 1 to 5 of 40, 60, 75, 85, 95, ascending');
    }
  });

  it(`takes at most MAX_ASPECT_RATIOS (${MAX_ASPECT_RATIOS}) ratios with terms 1..MAX_RATIO_TERM (${MAX_RATIO_TERM}), each once; [] drops h`, () => {
    const ratios = (n: number) => Array.from({ length: n }, (_, i): [number, number] => [i + 1, 1]);
    expect(tenantConfigProblem({ ratios: [] })).toBeUndefined();
    expect(tenantConfigProblem({ ratios: ratios(MAX_ASPECT_RATIOS) })).toBeUndefined();
    const shape = `ratios must be at most ${MAX_ASPECT_RATIOS} aspect ratios W:H, each term 1 to ${MAX_RATIO_TERM}`;
    expect(tenantConfigProblem({ ratios: ratios(MAX_ASPECT_RATIOS + 1) })).toBe(shape);
    expect(tenantConfigProblem({ ratios: [[MAX_RATIO_TERM, 1]] })).toBeUndefined();
    for (const bad of [[[MAX_RATIO_TERM + 1, 1]], [[0, 1]], [[1.5, 1]], [[16]], JSON.parse('["16:9"]')]) expect(tenantConfigProblem({ ratios: bad }), JSON.stringify(bad)).toBe(shape);
    expect(tenantConfigProblem({ ratios: [[16, 9], [4, 3], [16, 9]] })).toBe('ratio 16:9 has the shape of one listed before it (16:9)');
    expect(tenantConfigProblem({ ratios: [[1, 1], [2, 2]] })).toBe('ratio 2:2 has the shape of one listed before it (1:1)');
    expect(tenantConfigProblem({ ratios: [[2, 2], [3, 2]] })).toBeUndefined();
  });

  it('takes fits that are some of FITS, each once, inside among them (the default), and refuses anything else', () => {
    expect(tenantConfigProblem({ fits: ['inside'] })).toBeUndefined();
    expect(tenantConfigProblem({ fits: ['cover', 'inside', 'contain', 'fill'] })).toBeUndefined();
    for (const fits of [[], ['cover'], ['inside', 'inside'], ['inside', 'crop'], JSON.parse('"inside"')]) {
      expect(tenantConfigProblem({ fits }), JSON.stringify(fits)).toBe('fits must name some of inside, cover, contain, fill, each once, inside among them (it is the default)');
    }
  });

  it('takes a background #rrggbb and refuses anything else', () => {
    expect(tenantConfigProblem({ background: '#00ff7F' })).toBeUndefined();
    for (const background of ['white', '#fff', '00ff7f', '#00ff7g', JSON.parse('16777215')]) {
      expect(tenantConfigProblem({ background }), String(background)).toBe('background must be a colour #rrggbb');
    }
  });

  it('reads W:H as configs spell a ratio, and nothing else', () => {
    expect(aspectRatio('16:9')).toEqual([16, 9]);
    for (const spelled of ['16/9', '16:', ':9', '0:1', '1.5:1', ' 1:1', '1:1:1']) expect(aspectRatio(spelled), spelled).toBeUndefined();
  });

  it('fails closed on a bad field read back: the default ladder, the default quality alone, no ratio (h dropped)', () => {
    const bad = JSON.parse('{"ladder":[100,200],"qualities":[70],"ratios":[[1,1]]}');
    const white = DEFAULT_BACKGROUND;
    expect(tenantPolicy(bad)).toEqual({ ladder: [100, 200], qualities: [75], ratios: [[1, 1]], background: white });
    expect(tenantPolicy(JSON.parse('{"ladder":"x","qualities":[60],"ratios":"16:9"}'))).toEqual({ ladder: DEFAULT_LADDER, qualities: [60], ratios: [], background: white });
    expect(tenantPolicy(JSON.parse('{"ladder":{"length":1,"0":64}}'))).toEqual({ ladder: DEFAULT_LADDER, background: white });
    expect(tenantPolicy(null)).toEqual({ ladder: DEFAULT_LADDER, background: white });
    expect(tenantPolicy(JSON.parse('{"fits":["cover"],"background":"white"}'))).toEqual({ ladder: DEFAULT_LADDER, fits: ['inside'], background: white });
    expect(tenantPolicy({ fits: ['inside', 'contain'], background: '#1D2330' })).toEqual({ ladder: DEFAULT_LADDER, fits: ['inside', 'contain'], background: '1d2330' });
    // A valid config within the bound stays within it with any one field spoilt.
    const valid = { ladder: rungs(24), qualities: [75], ratios: [[4, 3]] as Array<[number, number]> };
    expect(tenantConfigProblem(valid)).toBeUndefined();
    for (const spoilt of [{ ...valid, qualities: [70] }, { ...valid, ratios: [[0, 1]] as Array<[number, number]> }, { ...valid, fits: JSON.parse('["fill"]') }]) {
      expect(keysPerOriginal(tenantPolicy(spoilt))).toBeLessThanOrEqual(MAX_KEYS_PER_ORIGINAL);
    }
  });

  it('refuses a ladder that is not an array, whatever it looks like', () => {
    expect(tenantConfigProblem(JSON.parse('{"ladder":{"length":1,"0":64}}'))).toBe(`ladder must have 1..${MAX_LADDER_RUNGS} rungs`);
  });
});

describe('KeyValueStore keys', () => {
  it('prefixes tenant configs with t:, and the longest tenant name fits a key', () => {
    expect(tenantConfigKey('demo')).toBe('t:demo');
    expect(tenantConfigKey('a'.repeat(MAX_TENANT_LENGTH)).length).toBeLessThanOrEqual(KVS_MAX_KEY_LENGTH);
  });
});
