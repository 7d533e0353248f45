import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS } from './formats.ts';
import { parseImageRequest, queryPairs, variantKey, type VariantParams } from './image-request.ts';
import { MAX_OUTPUT_DIMENSION, QUALITY_STEPS } from './limits.ts';
import { parseOriginalKey, parseVariantKey, parseVariantName, variantUri } from './object-keys.ts';

describe('parseOriginalKey', () => {
  it('splits an original key into tenant and path', () => {
    expect(parseOriginalKey('demo/photos/cat.jpg')).toEqual({ tenant: 'demo', path: 'photos/cat.jpg' });
    expect(parseOriginalKey('demo/été à Paris (1).png')).toEqual({ tenant: 'demo', path: 'été à Paris (1).png' });
  });

  it.each([
    ['no path', 'demo'],
    ['a bad tenant', 'Demo/cat.jpg'],
    ['traversal', 'demo/../other/cat.jpg'],
    ['an empty segment', 'demo//cat.jpg'],
    ['an unknown extension', 'demo/cat.svg'],
    ['a percent sign', 'demo/c%61t.jpg'],
    ['a lone surrogate', 'demo/\ud800.jpg'],
  ])('refuses a key with %s', (_, key) => {
    expect(parseOriginalKey(key)).toBeUndefined();
  });
});

describe('parseVariantName', () => {
  const original = 'demo/a.jpg';

  it('reads back the params and generation variantKey wrote', () => {
    expect(parseVariantName(original, 'demo/a.jpg/w640_q75.webp')).toEqual({ params: { fmt: 'webp', q: 75, w: 640 } });
    expect(parseVariantName(original, 'demo/a.jpg/h480_q60.avif')).toEqual({ params: { fmt: 'avif', q: 60, h: 480 } });
    expect(parseVariantName(original, 'demo/a.jpg/w640_h480_q95.jpeg')).toEqual({ params: { fmt: 'jpeg', q: 95, w: 640, h: 480 } });
    expect(parseVariantName(original, 'demo/a.jpg/q75.png')).toEqual({ params: { fmt: 'png', q: 75 } });
    expect(parseVariantName(original, 'demo/a.jpg/w640_q75_vk3j2x9m4.webp')).toEqual({ params: { fmt: 'webp', q: 75, w: 640 }, generation: 'k3j2x9m4' });
    expect(parseVariantName(original, 'demo/a.jpg/w640_h640_cover_q75.webp')).toEqual({ params: { fmt: 'webp', q: 75, w: 640, h: 640, fit: 'cover' } });
    expect(parseVariantName(original, 'demo/a.jpg/w640_h480_contain_bg1d2330_q60_vk3j2x9m4.jpeg')).toEqual({
      params: { fmt: 'jpeg', q: 60, w: 640, h: 480, fit: 'contain', bg: '1d2330' },
      generation: 'k3j2x9m4',
    });
  });

  it('is the inverse of variantKey for every params it can write', () => {
    const params = fc.record(
      {
        fmt: fc.constantFrom(...OUTPUT_FORMATS),
        q: fc.constantFrom(...QUALITY_STEPS),
        w: fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }),
        h: fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }),
        fit: fc.constantFrom('cover', 'contain', 'fill') as fc.Arbitrary<'cover' | 'contain' | 'fill'>,
        bg: fc.constantFrom('ffffff', '1d2330'),
      },
      { requiredKeys: ['fmt', 'q'] },
    );
    fc.assert(
      fc.property(params, fc.option(fc.stringMatching(/^[0-9a-z]{8}$/), { nil: undefined }), (p: VariantParams, generation) => {
        const name = parseVariantName(original, variantKey({ tenant: 'demo', path: 'a.jpg', params: p, generation }));
        expect(name).toEqual({ params: p, ...(generation && { generation }) });
      }),
      { seed: 0x5eed, numRuns: 2_000 },
    );
  });

  it("never claims a nested original's variants", () => {
    expect(parseVariantName(original, 'demo/a.jpg/b.jpg/w640_q75.webp')).toBeUndefined();
    expect(parseVariantName(original, 'demo/a.jpg/q75.png/q75.png')).toBeUndefined();
  });

  it('never claims another original sharing the prefix', () => {
    expect(parseVariantName(original, 'demo/a.jpg2/w640_q75.webp')).toBeUndefined();
    expect(parseVariantName(original, 'demo/a.jpgw640_q75.webp')).toBeUndefined();
    expect(parseVariantName('demo/a', 'demo/a.jpg/w640_q75.webp')).toBeUndefined();
  });

  it.each([
    'b.jpg',
    'w640_q75.jpg',
    'w640_q75.WEBP',
    'w640_q75.webp.tmp',
    'h480_w640_q75.webp',
    'w640_q75_.webp',
    'w640q75.webp',
    'w0640_q75.webp',
    'w0_q75.webp',
    'w_q75.webp',
    'w640_q.webp',
    'w640.webp',
    'w-1_q75.webp',
    'w1234567_q75.webp',
    'w640_q75.',
    'w640_q75_v.webp',
    'w640_q75_vK3J2X9.webp',
    'w640_q75_vk3j2x.webp',
    'w640_vk3j2x9m4_q75.webp',
    'w640_h640_inside_q75.webp',
    'w640_h640_crop_q75.webp',
    'w640_h640_q75_cover.webp',
    'cover_w640_h640_q75.webp',
    'w640_h640_bg1d2330_contain_q75.jpeg',
    'w640_h640_contain_bgFFFFFF_q75.jpeg',
    'w640_h640_contain_bgfff_q75.jpeg',
    '',
  ])('refuses the odd name %j', (name) => {
    expect(parseVariantName(original, `${original}/${name}`)).toBeUndefined();
  });
});

describe('variantUri', () => {
  it('is the URI and query the viewer rewrites a request to', () => {
    const url = '/demo/%C3%A9t%C3%A9%20%281%29.jpg';
    const query = 'utm=x&w=640&fmt=webp&q=70';
    const parsed = parseImageRequest(url, queryPairs(query));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(variantUri(parsed.request)).toBe('/demo/%C3%A9t%C3%A9%20(1).jpg?fmt=webp&q=75&w=640');
    expect(variantUri({ ...parsed.request, generation: 'k3j2x9m4' })).toBe('/demo/%C3%A9t%C3%A9%20(1).jpg?fmt=webp&q=75&w=640&v=k3j2x9m4');
  });
});

describe('parseVariantKey', () => {
  it('reads back the original and params of every key variantKey writes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('demo/cat.jpg', 'demo/a b/cé.png', 'shop/x/y/z.gif'),
        fc.constantFrom(...OUTPUT_FORMATS),
        fc.constantFrom(...QUALITY_STEPS),
        fc.option(fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }), { nil: undefined }),
        fc.option(fc.constant('k3j2x9m4'), { nil: undefined }),
        (key, fmt, q, w, h, generation) => {
          const slash = key.indexOf('/');
          const image = { tenant: key.slice(0, slash), path: key.slice(slash + 1), params: { fmt, q, ...(w && { w }), ...(h && { h }) }, ...(generation && { generation }) };
          expect(parseVariantKey(variantKey(image))).toEqual(image);
        },
      ),
    );
  });

  it('is undefined for what is no variant key', () => {
    for (const key of ['demo/cat.jpg', 'demo/cat.jpg/w640_q75.gif', 'demo/cat.jpg/q75', 'demo/q75.webp', 'Demo/cat.jpg/q75.webp', '../cat.jpg/q75.webp', 'q75.webp', '']) {
      expect(parseVariantKey(key), key).toBeUndefined();
    }
  });
});
