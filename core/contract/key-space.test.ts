/**
 * The bound on variants per original (so renders and cache keys an anonymous client can force),
 * printed per policy. The property test (image-request.property.test.ts) shows requests land only
 * on variantSpace's members and can reach each of them.
 */
import { describe, expect, it } from 'vitest';
import { keysPerOriginal, variantSpace } from './key-space.ts';
import { tenantPolicy } from './kvs.ts';
import { DEFAULT_LADDER, MAX_KEYS_PER_ORIGINAL } from './limits.ts';

const POLICIES = {
  default: {},
  'widths only (ratios [])': { ratios: [] },
  '1:1, 4:3, 16:9 at one quality': { ratios: [[1, 1], [4, 3], [16, 9]], qualities: [75] },
  'a 24-rung ladder, 5 ratios': { ladder: Array.from({ length: 24 }, (_, i) => (i + 1) * 160), ratios: [[1, 1], [4, 3], [3, 2], [16, 9], [2, 1]] },
  'cover and inside only': { fits: ['inside', 'cover'] },
} as const;

describe('variants per original under a tenant policy', () => {
  it(`counts the default policy's at MAX_KEYS_PER_ORIGINAL (${MAX_KEYS_PER_ORIGINAL}): (25 one-sided + 144 two-sided × 4 fits) × (3 formats × 5 qualities + PNG)`, () => {
    const counts = Object.fromEntries(Object.entries(POLICIES).map(([name, config]) => [name, keysPerOriginal(tenantPolicy(config as never))]));
    console.log(`variants per original: ${JSON.stringify(counts)} (bound ${MAX_KEYS_PER_ORIGINAL})`);
    expect(counts).toEqual({
      default: MAX_KEYS_PER_ORIGINAL,
      'widths only (ratios [])': 13 * 16,
      '1:1, 4:3, 16:9 at one quality': (13 + 12 + 12 * 3 * 4) * 4,
      'a 24-rung ladder, 5 ratios': (25 + 24 + 24 * 5 * 4) * 16,
      'cover and inside only': (25 + 144 * 2) * 16,
    });
    for (const count of Object.values(counts)) expect(count).toBeLessThanOrEqual(MAX_KEYS_PER_ORIGINAL);
  });

  it('counts a height two ratios share at a small width once', () => {
    // At w=1 both 1:1 and 4:3 are 1 px tall: one variant, not two.
    const space = variantSpace({ ladder: [1], ratios: [[1, 1], [4, 3]], qualities: [75] });
    expect(space.filter((p) => p.w === 1 && p.fmt === 'jpeg' && p.fit === undefined).map((p) => p.h)).toEqual([undefined, 1]);
  });

  it('names a fit only with both sides, and the background only on a JPEG contain', () => {
    const space = variantSpace(tenantPolicy({ background: '#102030' }));
    expect(space.filter((p) => p.fit !== undefined).every((p) => p.w !== undefined && p.h !== undefined)).toBe(true);
    expect(space.filter((p) => p.bg !== undefined).every((p) => p.fit === 'contain' && p.fmt === 'jpeg' && p.bg === '102030')).toBe(true);
    expect(space.filter((p) => p.fit === 'contain' && p.fmt === 'jpeg').every((p) => p.bg === '102030')).toBe(true);
  });

  it('holds every PNG variant at one q whatever the qualities', () => {
    const png = variantSpace({ ladder: DEFAULT_LADDER }).filter((p) => p.fmt === 'png');
    expect(new Set(png.map((p) => p.q))).toEqual(new Set([75]));
    expect(png).toHaveLength(25 + 144 * 4);
  });
});
