import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, FORMAT_ALIASES, OUTPUT_FORMATS, SOURCE_EXTENSIONS, isSourceExtension, negotiateFormat } from './formats.ts';

/** Accept headers browsers send for <img> requests. */
const ACCEPT = {
  chrome: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  firefox65: 'image/webp,*/*',
  safari17: 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari14: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  safari13: 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  ie11: 'image/png, image/svg+xml, image/*;q=0.8, */*;q=0.5',
  ie8: '*/*',
} as const;

describe('isSourceExtension', () => {
  it.each(SOURCE_EXTENSIONS)('accepts %s', (ext) => {
    expect(isSourceExtension(ext)).toBe(true);
  });

  it.each(['svg', 'JPG', '', 'bmp', 'constructor', '__proto__', 'toString'])('refuses %s', (ext) => {
    expect(isSourceExtension(ext)).toBe(false);
  });
});

describe('FORMAT_ALIASES', () => {
  it('maps jpg to jpeg and every output format to itself', () => {
    expect(FORMAT_ALIASES.jpg).toBe('jpeg');
    for (const fmt of OUTPUT_FORMATS) expect(FORMAT_ALIASES[fmt]).toBe(fmt);
  });
});

describe('negotiateFormat', () => {
  describe('for a photo (jpg) source', () => {
    it.each([
      ['chrome', 'avif'],
      ['firefox', 'avif'],
      ['firefox65', 'webp'],
      ['safari17', 'avif'],
      ['safari14', 'webp'],
      ['safari13', 'jpeg'],
      ['ie11', 'jpeg'],
      ['ie8', 'jpeg'],
    ] as const)('serves %s %s', (browser, fmt) => {
      expect(negotiateFormat(ACCEPT[browser], 'jpg')).toBe(fmt);
    });

    it('serves jpeg with no Accept header', () => {
      expect(negotiateFormat('', 'jpg')).toBe('jpeg');
    });
  });

  describe('for animated-capable (gif, webp) sources', () => {
    it.each(['gif', 'webp'] as const)('prefers webp over avif for %s', (source) => {
      expect(negotiateFormat(ACCEPT.chrome, source)).toBe('webp');
      expect(negotiateFormat(ACCEPT.safari17, source)).toBe('webp');
    });

    it('takes avif for a gif when webp is not accepted', () => {
      expect(negotiateFormat('image/avif', 'gif')).toBe('avif');
    });

    it('falls back to png for a gif and jpeg for a webp', () => {
      expect(negotiateFormat(ACCEPT.ie11, 'gif')).toBe('png');
      expect(negotiateFormat(ACCEPT.ie11, 'webp')).toBe('jpeg');
    });
  });

  describe('for a png source', () => {
    it('falls back to png, not jpeg, so transparency survives', () => {
      expect(negotiateFormat(ACCEPT.ie11, 'png')).toBe('png');
      expect(negotiateFormat('', 'png')).toBe('png');
    });

    it('still prefers avif when accepted', () => {
      expect(negotiateFormat(ACCEPT.chrome, 'png')).toBe('avif');
    });
  });

  describe('q values', () => {
    it.each(['image/avif;q=0,image/webp', 'image/avif; q=0, image/webp', 'image/avif;q=0.0,image/webp', 'image/avif;Q = 0.000 ,image/webp'])(
      'treats %s as "not avif"',
      (accept) => {
        expect(negotiateFormat(accept, 'jpg')).toBe('webp');
      },
    );

    it('refuses both when both have q=0', () => {
      expect(negotiateFormat('image/avif;q=0,image/webp;q=0,*/*', 'jpg')).toBe('jpeg');
    });

    it('accepts a type with a low but non-zero q', () => {
      expect(negotiateFormat('image/avif;q=0.001', 'jpg')).toBe('avif');
    });

    it('ignores other parameters on the range', () => {
      expect(negotiateFormat('image/avif;level=1;q=0.5', 'jpg')).toBe('avif');
    });
  });

  it('matches media types case-insensitively and ignores surrounding spaces', () => {
    expect(negotiateFormat('  IMAGE/AVIF  ', 'jpg')).toBe('avif');
  });

  it('does not take a wildcard as a promise of avif or webp', () => {
    expect(negotiateFormat('image/*', 'jpg')).toBe('jpeg');
  });

  it('does not match a type by prefix', () => {
    expect(negotiateFormat('image/avifx,image/webp-like', 'jpg')).toBe('jpeg');
  });

  it('always answers an output format, whatever the header', () => {
    for (const accept of [',,,', ';;;', 'image/avif;q=', 'image/avif;q=abc', '\u0000', 'a'.repeat(10_000)]) {
      expect(OUTPUT_FORMATS).toContain(negotiateFormat(accept, 'jpg'));
    }
  });

  it('names a content type for every output format', () => {
    for (const fmt of OUTPUT_FORMATS) expect(CONTENT_TYPES[fmt]).toBe(`image/${fmt}`);
  });
});
