import { describe, expect, it } from 'vitest';
import {
  ALLOWED_PARAMS,
  BAD_DPR,
  BAD_FIT,
  CACHE_KEY_PARAMS,
  canonicalQuery,
  canonicalUri,
  originalKey,
  parseImageRequest,
  queryPairs,
  requestedParams,
  requestedQuery,
  snapUp,
  variantKey,
  type ImageRequest,
  type ParseOptions,
  type ParseResult,
} from './image-request.ts';
import {
  DEFAULT_LADDER,
  DEFAULT_QUALITY,
  DPR_STEPS,
  MAX_NUMBER_DIGITS,
  MAX_ORIGINAL_KEY_LENGTH,
  MAX_OUTPUT_DIMENSION,
  MAX_QUERY_LENGTH,
  MAX_QUERY_PARAMS,
  MAX_TENANT_LENGTH,
  MAX_URI_LENGTH,
  QUALITY_STEPS,
} from './limits.ts';

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

/** Parses `/tenant/path.ext?query` the way the viewer does: path and query split at the first `?`. */
function parse(url: string, options: ParseOptions = {}): ParseResult {
  const mark = url.indexOf('?');
  const uri = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  return parseImageRequest(uri, queryPairs(query), options);
}

function accepted(url: string, options: ParseOptions = {}): ImageRequest {
  const result = parse(url, options);
  if (!result.ok) throw new Error(`expected ${url} to be accepted, got: ${result.reason}`);
  return result.request;
}

function rejection(url: string, options: ParseOptions = {}): string {
  const result = parse(url, options);
  if (result.ok) throw new Error(`expected ${url} to be rejected, got: ${JSON.stringify(result.request)}`);
  return result.reason;
}

/** `n` junk pairs `j0=v&j1=v…`. */
const junkPairs = (n: number): string => Array.from({ length: n }, (_, i) => `j${i}=v`).join('&');

describe('queryPairs', () => {
  it('returns no pairs for an empty query', () => {
    expect(queryPairs('')).toEqual([]);
  });

  it('splits on & and the first =, keeping names and values encoded', () => {
    expect(queryPairs('w=640&x=a=b&flag&%77=1&q=%37%35')).toEqual([
      ['w', '640'],
      ['x', 'a=b'],
      ['flag', ''],
      ['%77', '1'],
      ['q', '%37%35'],
    ]);
  });

  it('keeps empty parts between separators as empty pairs', () => {
    expect(queryPairs('a=1&&b=2')).toEqual([
      ['a', '1'],
      ['', ''],
      ['b', '2'],
    ]);
  });
});

describe('snapUp', () => {
  it('returns the rung itself when the value sits on a rung', () => {
    expect(snapUp(640, DEFAULT_LADDER)).toBe(640);
  });

  it('returns the next rung up between rungs', () => {
    expect(snapUp(641, DEFAULT_LADDER)).toBe(750);
    expect(snapUp(1, DEFAULT_LADDER)).toBe(64);
  });

  it('returns the top rung beyond the top rung', () => {
    expect(snapUp(3841, DEFAULT_LADDER)).toBe(3840);
    expect(snapUp(1_000_000, [100, 200])).toBe(200);
  });
});

describe('parseImageRequest', () => {
  describe('accepted requests', () => {
    it('parses tenant, decoded path, source extension and defaults', () => {
      expect(accepted('/demo/photos/cat.jpg')).toEqual({
        tenant: 'demo',
        path: 'photos/cat.jpg',
        source: 'jpg',
        params: { fmt: 'jpeg', q: DEFAULT_QUALITY },
      });
    });

    it('accepts a mixed-case extension, keeping the path as written and lowering the source', () => {
      const req = accepted('/demo/Cat.JpEg');
      expect(req.path).toBe('Cat.JpEg');
      expect(req.source).toBe('jpeg');
    });

    it.each(['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff'])('accepts the .%s extension', (ext) => {
      expect(accepted(`/demo/a.${ext}`).source).toBe(ext);
    });

    it('accepts spaces, plus, unicode and the allowed punctuation in segments', () => {
      expect(accepted('/demo/My%20Photos/caf%C3%A9+(1)_~@,-x.png').path).toBe('My Photos/café+(1)_~@,-x.png');
      expect(accepted('/demo/日本/😀.webp').path).toBe('日本/😀.webp');
    });

    it('accepts dots inside a segment as long as it does not start with one', () => {
      expect(accepted('/demo/a..b/v1.2.jpg').path).toBe('a..b/v1.2.jpg');
    });

    it('decodes %2F into a path separator (same request as the literal slash)', () => {
      expect(accepted('/demo/a%2Fb.jpg')).toEqual(accepted('/demo/a/b.jpg'));
    });
  });

  describe('traversal and path rejections', () => {
    it.each([
      ['..', '/demo/../other/a.jpg'],
      ['.. as the whole path', '/demo/..'],
      ['%2e%2e', '/demo/%2e%2e/other/a.jpg'],
      ['%2E%2e', '/demo/%2E%2e/other/a.jpg'],
      ['.%2e', '/demo/.%2e/other/a.jpg'],
      ['%2e.', '/demo/%2e./other/a.jpg'],
      ['%2f..%2f', '/demo/a%2f..%2fother.jpg'],
      ['%2F..%2F', '/demo/a%2F..%2Fb%2F..%2F..%2Fother%2Fa.jpg'],
      ['single dot', '/demo/./a.jpg'],
      ['hidden file', '/demo/.htaccess.jpg'],
    ])('rejects %s as a dot segment', (_name, url) => {
      expect(rejection(url)).toBe('path segment starts with a dot');
    });

    it.each([
      ['..%5c', '/demo/..%5cother/a.jpg'],
      ['%5C', '/demo/a%5Cb.jpg'],
      ['a raw backslash', '/demo/a\\b.jpg'],
      ['..\\', '/demo/..\\..\\etc.jpg'],
    ])('rejects %s as a backslash', (_name, url) => {
      expect(rejection(url)).toBe('backslash in path');
    });

    it.each([
      ['//', '/demo//a.jpg'],
      ['trailing /', '/demo/a.jpg/'],
      ['%2f%2f', '/demo/a%2f%2fb.jpg'],
      ['leading %2f', '/demo/%2fetc/a.jpg'],
    ])('rejects %s as an empty segment', (_name, url) => {
      expect(rejection(url)).toBe('empty path segment');
    });

    it.each([
      ['NUL %00', '/demo/a%00.jpg'],
      ['NUL before the extension', '/demo/a.php%00.jpg'],
      ['%0a', '/demo/a%0a.jpg'],
      ['%0D%0A', '/demo/a%0D%0Ab.jpg'],
      ['%1f', '/demo/a%1f.jpg'],
      ['%7f', '/demo/a%7f.jpg'],
      ['a raw tab', '/demo/a\tb.jpg'],
      ['a raw NUL', '/demo/a\u0000.jpg'],
    ])('rejects %s as a control character', (_name, url) => {
      expect(rejection(url)).toBe('control character in path');
    });

    it('rejects C1 control characters (U+0080..U+009F) as unsupported', () => {
      expect(rejection('/demo/a%C2%85.jpg')).toBe('unsupported character in path');
      expect(rejection('/demo/a\u009b.jpg')).toBe('unsupported character in path');
    });

    it('decodes only once: %252e%252e stays a literal % and is refused, never becomes ..', () => {
      expect(rejection('/demo/%252e%252e/other/a.jpg')).toBe('unsupported character in path');
      expect(rejection('/demo/a%252fb.jpg')).toBe('unsupported character in path');
      expect(rejection('/demo/a%255cb.jpg')).toBe('unsupported character in path');
      expect(rejection('/demo/a%2500.jpg')).toBe('unsupported character in path');
    });

    it.each([
      ['?', '/demo/a%3Fb.jpg'],
      ['#', '/demo/a%23b.jpg'],
      [':', '/demo/c:%2Fa.jpg'],
      ['%', '/demo/100%25.jpg'],
      ['"', '/demo/a%22.jpg'],
      ['<', '/demo/a%3C.jpg'],
      ['*', '/demo/a*.jpg'],
    ])('rejects %s in a segment', (_name, url) => {
      expect(rejection(url)).toBe('unsupported character in path');
    });

    it.each([
      ['%zz', '/demo/a%zz.jpg'],
      ['a lone %', '/demo/a%.jpg'],
      ['a truncated escape', '/demo/a%4.jpg'],
      ['a truncated UTF-8 sequence', '/demo/a%E4%BD.jpg'],
      ['an invalid UTF-8 lead byte', '/demo/a%FF.jpg'],
      ['an encoded surrogate (CESU)', '/demo/a%ED%A0%80.jpg'],
    ])('rejects malformed percent-encoding: %s', (_name, url) => {
      expect(rejection(url)).toBe('malformed percent-encoding in path');
    });

    it('rejects a lone UTF-16 surrogate, which has no UTF-8 form and cannot be re-encoded', () => {
      // Counterexample found by the property tests: accepted before, then canonicalUri() threw URIError.
      expect(rejection('/demo/a\ud800.jpg')).toMatch(/unicode|unsupported/);
      expect(rejection('/demo/a\udc00b.jpg')).toMatch(/unicode|unsupported/);
    });

    it('rejects a URI without a leading slash or without a path', () => {
      expect(rejection('demo/a.jpg')).toBe('expected /{tenant}/{path}.{ext}');
      expect(rejection('/demo')).toBe('expected /{tenant}/{path}.{ext}');
      expect(rejection('')).toBe('expected /{tenant}/{path}.{ext}');
      expect(rejection('/demo/')).toBe('empty path segment');
    });
  });

  describe('tenant rejections', () => {
    it.each([
      ['uppercase', '/Demo/a.jpg'],
      ['an underscore', '/de_mo/a.jpg'],
      ['empty', '//a.jpg'],
      ['a dot', '/de.mo/a.jpg'],
      ['dot-dot', '/../a.jpg'],
      ['percent-encoded', '/d%65mo/a.jpg'],
      ['unicode', '/démo/a.jpg'],
      ['a space', '/de mo/a.jpg'],
      ['too long', `/${'a'.repeat(MAX_TENANT_LENGTH + 1)}/a.jpg`],
    ])('rejects a tenant with %s', (_name, url) => {
      expect(rejection(url)).toBe('bad tenant: expected [a-z0-9-]{1,32}');
    });

    it('accepts digits and hyphens', () => {
      expect(accepted('/acme-2/a.jpg').tenant).toBe('acme-2');
    });
  });

  describe('extension rejections', () => {
    it.each([
      ['.svg', '/demo/a.svg'],
      ['.SVG', '/demo/a.SVG'],
      ['.svgz', '/demo/a.svgz'],
      ['.bmp', '/demo/a.bmp'],
      ['.php', '/demo/a.php'],
      ['.html', '/demo/a.jpg.html'],
      ['an empty extension', '/demo/a.'],
      ['no extension', '/demo/photo'],
      ['no extension in a nested path', '/demo/a.b/photo'],
      ['an encoded svg extension', '/demo/a%2Esvg'],
    ])('rejects %s', (_name, url) => {
      expect(rejection(url)).toMatch(/^unknown extension/);
    });

    it.each(['jpg', 'PNG', 'webp'])('rejects a file named just "%s" (no dot, so no extension)', (name) => {
      // Counterexample: /demo/jpg was accepted with source "jpg" although it has no extension.
      expect(rejection(`/demo/${name}`)).toMatch(/^unknown extension/);
      expect(rejection(`/demo/dir/${name}`)).toMatch(/^unknown extension/);
    });

    it('accepts a percent-encoded extension as its decoded form', () => {
      expect(accepted('/demo/a%2E%6A%70%67').source).toBe('jpg');
    });
  });

  describe('query rejections', () => {
    it.each(['w', 'h', 'q', 'fmt'])('rejects a duplicate %s', (name) => {
      const value = name === 'fmt' ? 'webp' : '100';
      expect(rejection(`/demo/a.jpg?${name}=${value}&x=1&${name}=${value}`)).toBe(`duplicate parameter ${name}`);
    });

    it('rejects a duplicate even when the second value is empty', () => {
      expect(rejection('/demo/a.jpg?w=100&w')).toBe('duplicate parameter w');
    });

    it('allows duplicate junk parameters', () => {
      expect(accepted('/demo/a.jpg?utm_source=a&utm_source=b').params).toEqual(accepted('/demo/a.jpg').params);
    });

    it.each(['abc', '-1', '0', '00', '1.5', '', '+1', ' 1', '1 ', '1e3', '0x10', '%31', '１', 'Infinity', 'NaN'])(
      'rejects w=%s',
      (value) => {
        expect(rejection(`/demo/a.jpg?w=${value}`)).toBe('w must be a positive integer');
      },
    );

    it.each(['abc', '0', '-5', '2.5', ''])('rejects h=%s', (value) => {
      expect(rejection(`/demo/a.jpg?h=${value}`)).toBe('h must be a positive integer');
    });

    it.each(['0', 'abc', '-1', '', '75.0'])('rejects q=%s', (value) => {
      expect(rejection(`/demo/a.jpg?q=${value}`)).toBe('q must be a positive integer');
    });

    it.each(['gif', 'svg', 'bmp', '', 'image/webp', 'web%70', 'constructor', '__proto__', 'tostring', 'hasownproperty'])(
      'rejects fmt=%s',
      (value) => {
        // constructor/__proto__: counterexample — FORMAT_ALIASES lookup walked Object.prototype,
        // giving fmt = Object (variantKey "…/q75.function Object() { [native code] }").
        expect(rejection(`/demo/a.jpg?fmt=${value}`)).toBe('fmt must be one of auto, avif, webp, jpeg, jpg, png');
      },
    );

    it('rejects zero however many digits it is written with', () => {
      // Counterexample: w=0000000 (longer than MAX_NUMBER_DIGITS) was clamped to MAX_OUTPUT_DIMENSION.
      expect(rejection(`/demo/a.jpg?w=${'0'.repeat(MAX_NUMBER_DIGITS + 1)}`)).toBe('w must be a positive integer');
      expect(rejection(`/demo/a.jpg?q=${'0'.repeat(20)}`)).toBe('q must be a positive integer');
    });

    it('checks the path before the query', () => {
      expect(rejection('/demo/../a.jpg?w=abc')).toBe('path segment starts with a dot');
    });
  });

  describe('device pixel ratio', () => {
    const viewer = { ladder: DEFAULT_LADDER };
    const key = (url: string) => canonicalQuery(accepted(url, viewer).params);

    it('folds dpr into w and h before they snap: w=320&dpr=2 has the cache key of w=640, and no dpr in it', () => {
      expect(key('/demo/a.jpg?w=320&dpr=2')).toBe(key('/demo/a.jpg?w=640'));
      expect(key('/demo/a.jpg?w=320&h=200&dpr=1.5')).toBe('fmt=jpeg&h=384&q=75&w=640');
      expect(key('/demo/a.jpg?w=320&dpr=1')).toBe(key('/demo/a.jpg?w=320'));
      expect(key('/demo/a.jpg?dpr=3')).toBe(key('/demo/a.jpg'));
    });

    it(`snaps dpr up to ${DPR_STEPS.join(', ')}: a 2.625 phone gets 3, anything past 3 is 3, below 1 is 1`, () => {
      expect(['0.5', '1', '1.01', '1.5', '1.75', '2', '2.625', '3', '3.5', '99', '2.000'].map((dpr) => requestedParams(queryPairs(`dpr=${dpr}`)))).toEqual(
        [1, 1, 1.5, 1.5, 2, 2, 3, 3, 3, 3, 2].map((dpr) => ({ fmt: 'auto', q: DEFAULT_QUALITY, w: undefined, h: undefined, dpr })),
      );
    });

    it(`never goes past MAX_OUTPUT_DIMENSION (${MAX_OUTPUT_DIMENSION}): w=1600&dpr=3 is the top rung, at the origin 4096`, () => {
      expect(accepted('/demo/a.jpg?w=1600&dpr=3', viewer).params.w).toBe(3840);
      expect(accepted('/demo/a.jpg?w=1600&dpr=3').params.w).toBe(MAX_OUTPUT_DIMENSION);
      expect(accepted('/demo/a.jpg?w=1366&dpr=3').params.w).toBe(MAX_OUTPUT_DIMENSION);
      expect(accepted('/demo/a.jpg?w=1365&dpr=3').params.w).toBe(4095);
    });

    it('refuses a dpr that is not a plain decimal, or is zero, or is given twice', () => {
      for (const dpr of ['', 'x', '0', '0.0', '-1', '1e1', '2x', '1.2345', '100', '.5', ' 2']) expect(rejection(`/demo/a.jpg?dpr=${dpr}`), dpr).toBe(BAD_DPR);
      expect(rejection('/demo/a.jpg?dpr=2&dpr=3')).toBe('duplicate parameter dpr');
    });

    it('is covered by a token (requestedQuery) as asked, snapped, and sorted first', () => {
      const asked = requestedParams(queryPairs('w=320&dpr=2.625&fmt=webp')) as Exclude<ReturnType<typeof requestedParams>, string>;
      expect(requestedQuery(asked)).toBe('dpr=3&fmt=webp&q=75&w=320');
      expect(requestedQuery(requestedParams(queryPairs('w=320')) as typeof asked)).toBe('fmt=auto&q=75&w=320');
    });
  });

  describe('fit', () => {
    const viewer = { ladder: DEFAULT_LADDER, background: 'ffffff' };
    const key = (url: string, options: ParseOptions = viewer) => canonicalQuery(accepted(url, options).params);

    it('keys cover, contain and fill with both sides; inside is the default and is not a second key', () => {
      expect(key('/demo/a.jpg?w=600&h=600&fit=cover')).toBe('fit=cover&fmt=jpeg&h=640&q=75&w=640');
      expect(key('/demo/a.jpg?w=600&h=600&fit=fill&fmt=webp')).toBe('fit=fill&fmt=webp&h=640&q=75&w=640');
      expect(key('/demo/a.jpg?w=600&h=600&fit=inside')).toBe(key('/demo/a.jpg?w=600&h=600'));
      expect(key('/demo/a.jpg?w=600&h=600&fit=COVER')).toBe(key('/demo/a.jpg?w=600&h=600&fit=cover'));
    });

    it('drops a fit with one side or none: it changes nothing there', () => {
      expect(key('/demo/a.jpg?w=600&fit=cover')).toBe(key('/demo/a.jpg?w=600'));
      expect(key('/demo/a.jpg?h=600&fit=contain')).toBe(key('/demo/a.jpg?h=600'));
      expect(key('/demo/a.jpg?fit=fill')).toBe(key('/demo/a.jpg'));
      expect(key('/demo/a.jpg?w=600&h=600&fit=cover', { ladder: DEFAULT_LADDER, ratios: [] })).toBe(key('/demo/a.jpg?w=600'));
    });

    it("names the tenant's background only on a JPEG contain, whatever bg a viewer sends", () => {
      expect(key('/demo/a.jpg?w=600&h=600&fit=contain', { ladder: DEFAULT_LADDER, background: '1d2330' })).toBe('bg=1d2330&fit=contain&fmt=jpeg&h=640&q=75&w=640');
      expect(key('/demo/a.jpg?w=600&h=600&fit=contain&bg=000000')).toBe('bg=ffffff&fit=contain&fmt=jpeg&h=640&q=75&w=640');
      expect(key('/demo/a.jpg?w=600&h=600&fit=contain&fmt=png&bg=000000')).toBe('fit=contain&fmt=png&h=640&q=75&w=640');
      expect(key('/demo/a.jpg?w=600&h=600&bg=000000')).toBe(key('/demo/a.jpg?w=600&h=600'));
    });

    it('reads the background back from the canonical query at the origin, and a malformed one as the default', () => {
      expect(accepted('/demo/a.jpg?bg=1d2330&fit=contain&fmt=jpeg&h=640&q=75&w=640').params.bg).toBe('1d2330');
      expect(accepted('/demo/a.jpg?bg=1D2330&fit=contain&fmt=jpeg&h=640&q=75&w=640').params.bg).toBe('ffffff');
    });

    it('refuses a fit outside FITS, and one the tenant does not allow, saying which it does', () => {
      for (const fit of ['', 'crop', 'scale-down', 'inside ', '__proto__']) expect(rejection(`/demo/a.jpg?w=64&h=64&fit=${fit}`), fit).toBe(BAD_FIT);
      expect(BAD_FIT).toBe('fit must be one of inside, cover, contain, fill');
      const strict = { ladder: DEFAULT_LADDER, fits: ['inside', 'cover'] as const };
      expect(rejection('/demo/a.jpg?w=64&h=64&fit=fill', strict)).toBe('fit=fill is not allowed for this tenant: it allows inside, cover');
      expect(rejection('/demo/a.jpg?w=64&fit=contain', strict)).toBe('fit=contain is not allowed for this tenant: it allows inside, cover');
      expect(key('/demo/a.jpg?w=64&h=64&fit=cover', strict)).toBe('fit=cover&fmt=jpeg&h=64&q=75&w=64');
      expect(rejection('/demo/a.jpg?fit=cover&fit=fill')).toBe('duplicate parameter fit');
    });

    it('is covered by a token as asked, inside as no fit at all', () => {
      const asked = (query: string) => requestedQuery(requestedParams(queryPairs(query)) as Exclude<ReturnType<typeof requestedParams>, string>);
      expect(asked('w=320&fit=cover&dpr=2')).toBe('dpr=2&fit=cover&fmt=auto&q=75&w=320');
      expect(asked('w=320&fit=inside')).toBe(asked('w=320'));
    });

    it('keys on fit and the background at the edge (the cache policy), never on dpr', () => {
      expect(CACHE_KEY_PARAMS).toEqual(['bg', 'fit', 'fmt', 'h', 'q', 'v', 'w']);
    });
  });

  describe("a tenant's aspect ratios and quality steps", () => {
    const policy = { ladder: DEFAULT_LADDER, ratios: [[1, 1], [4, 3], [16, 9]] as const, qualities: [60, 85] };

    it('gives w with h the height of the nearest ratio at the snapped width, and q the next step up', () => {
      // 320×200 is 1.6: nearer 16:9 (×1.11) than 4:3 (×1.2). w snaps to 384: h = 216.
      expect(accepted('/demo/a.jpg?w=320&h=200&q=61', policy).params).toEqual({ fmt: 'jpeg', q: 85, w: 384, h: 216 });
      expect(accepted('/demo/a.jpg?w=300&h=290', policy).params).toEqual({ fmt: 'jpeg', q: 85, w: 384, h: 384 });
      expect(accepted('/demo/a.jpg?w=300&h=225&q=40', policy).params).toEqual({ fmt: 'jpeg', q: 60, w: 384, h: 288 });
    });

    it('takes the first listed on a tie, and keeps a height that is already one of the ratios at that width', () => {
      // 2:1 is ×2 from 1:1 and ×2 from 4:1: the first listed wins.
      expect(accepted('/demo/a.jpg?w=640&h=320', { ladder: DEFAULT_LADDER, ratios: [[1, 1], [4, 1]] }).params.h).toBe(640);
      expect(accepted('/demo/a.jpg?w=640&h=320', { ladder: DEFAULT_LADDER, ratios: [[4, 1], [1, 1]] }).params.h).toBe(160);
      expect(accepted('/demo/a.jpg?w=384&h=216', policy).params.h).toBe(216);
    });

    it('takes the nearest ratio to the w asked for when w snapped, even when h happens to be another ratio’s height at the rung', () => {
      const tall = { ladder: [100, 1000], ratios: [[1, 2], [2, 1]] as Array<[number, number]> };
      // 101×500 is a portrait (1:5): 1:2, h = 2000, though 500 is 2:1's height at 1000.
      expect(accepted('/demo/a.jpg?w=101&h=500', tall).params).toMatchObject({ w: 1000, h: 2000 });
      expect(accepted('/demo/a.jpg?w=641&h=608', { ladder: [640, 1080], ratios: [[16, 9], [1, 1]] }).params).toMatchObject({ w: 1080, h: 1080 });
    });

    it('snaps h alone to the ladder, and drops h when the tenant allows no ratio', () => {
      expect(accepted('/demo/a.jpg?h=200', policy).params).toEqual({ fmt: 'jpeg', q: 85, h: 256 });
      expect(accepted('/demo/a.jpg?w=320&h=200', { ladder: DEFAULT_LADDER, ratios: [] }).params).toEqual({ fmt: 'jpeg', q: 75, w: 384 });
      expect(accepted('/demo/a.jpg?h=200', { ladder: DEFAULT_LADDER, ratios: [] }).params).toEqual({ fmt: 'jpeg', q: 75 });
    });

    it('holds a tall ratio at a wide width to MAX_OUTPUT_DIMENSION', () => {
      expect(accepted('/demo/a.jpg?w=3000&h=9000', { ladder: DEFAULT_LADDER, ratios: [[1, 32]] }).params).toMatchObject({ w: 3840, h: MAX_OUTPUT_DIMENSION });
    });
  });

  describe('normalization', () => {
    it('snaps w and h up to the default ladder', () => {
      const req = accepted('/demo/a.jpg?w=641&h=65', { ladder: DEFAULT_LADDER });
      expect(req.params.w).toBe(750);
      expect(req.params.h).toBe(128);
    });

    it('keeps a value that sits on a rung', () => {
      expect(accepted('/demo/a.jpg?w=1080', { ladder: DEFAULT_LADDER }).params.w).toBe(1080);
    });

    it('snaps beyond the top rung down to the top rung', () => {
      expect(accepted('/demo/a.jpg?w=3841&h=99999', { ladder: DEFAULT_LADDER }).params).toMatchObject({ w: 3840, h: 3840 });
    });

    it('snaps to a custom ladder', () => {
      const ladder = [100, 300, 900];
      expect(accepted('/demo/a.jpg?w=1', { ladder }).params.w).toBe(100);
      expect(accepted('/demo/a.jpg?w=101', { ladder }).params.w).toBe(300);
      expect(accepted('/demo/a.jpg?h=900', { ladder }).params.h).toBe(900);
      expect(accepted('/demo/a.jpg?h=901', { ladder }).params.h).toBe(900);
    });

    it('leaves w and h unsnapped without a ladder (the origin, where values arrive snapped)', () => {
      expect(accepted('/demo/a.jpg?w=641&h=65').params).toMatchObject({ w: 641, h: 65 });
    });

    it('leaves w and h absent when not asked for', () => {
      const params = accepted('/demo/a.jpg?q=60', { ladder: DEFAULT_LADDER }).params;
      expect('w' in params).toBe(false);
      expect('h' in params).toBe(false);
    });

    it.each([
      [1, 40],
      [40, 40],
      [41, 60],
      [60, 60],
      [74, 75],
      [76, 85],
      [95, 95],
      [96, 95],
      [100, 95],
      [101, 95],
      [999_999, 95],
    ])('snaps q=%i to %i', (q, expected) => {
      expect(accepted(`/demo/a.jpg?q=${q}`).params.q).toBe(expected);
    });

    it('uses the default quality when q is absent', () => {
      expect(accepted('/demo/a.jpg').params.q).toBe(DEFAULT_QUALITY);
      expect(QUALITY_STEPS).toContain(DEFAULT_QUALITY);
    });

    it('parses a number written with leading zeros as its value', () => {
      expect(accepted('/demo/a.jpg?w=000640').params.w).toBe(640);
      expect(accepted('/demo/a.jpg?w=0000000640').params.w).toBe(640);
    });

    it.each([
      ['jpg', 'jpeg'],
      ['JPG', 'jpeg'],
      ['jpeg', 'jpeg'],
      ['Webp', 'webp'],
      ['AVIF', 'avif'],
      ['png', 'png'],
    ])('maps fmt=%s to %s', (value, fmt) => {
      expect(accepted(`/demo/a.jpg?fmt=${value}`, { accept: CHROME_ACCEPT }).params.fmt).toBe(fmt);
    });

    it('negotiates fmt=auto (any case) and an absent fmt from Accept alike', () => {
      const options = { accept: CHROME_ACCEPT };
      expect(accepted('/demo/a.jpg?fmt=auto', options).params.fmt).toBe('avif');
      expect(accepted('/demo/a.jpg?fmt=AUTO', options).params.fmt).toBe('avif');
      expect(accepted('/demo/a.jpg', options).params.fmt).toBe('avif');
      expect(accepted('/demo/a.gif', options).params.fmt).toBe('webp');
    });

    it('falls back without an Accept header: png and gif sources to png, the rest to jpeg', () => {
      expect(accepted('/demo/a.png').params.fmt).toBe('png');
      expect(accepted('/demo/a.gif').params.fmt).toBe('png');
      expect(accepted('/demo/a.tiff').params.fmt).toBe('jpeg');
      expect(accepted('/demo/a.webp').params.fmt).toBe('jpeg');
    });

    it('ignores Accept when fmt is explicit', () => {
      expect(accepted('/demo/a.jpg?fmt=png', { accept: CHROME_ACCEPT }).params.fmt).toBe('png');
    });

    it('ignores junk params, allowlisted names in another case and percent-encoded names', () => {
      const clean = accepted('/demo/a.jpg?w=640&q=60', { ladder: DEFAULT_LADDER });
      const noisy = accepted(
        '/demo/a.jpg?utm_source=x&utm_medium=email&utm_campaign=c&fbclid=abc&gclid=1&w=640&sessionid=s&' +
          'jsessionid=j&_=123&W=9999&Q=1&%77=1&fmt%3D=gif&sig=zzz&q=60&x=%ZZ&=&&empty',
        { ladder: DEFAULT_LADDER },
      );
      expect(noisy).toEqual(clean);
    });

    it('returns only the allowlisted params', () => {
      const params = accepted('/demo/a.jpg?w=64&h=64&q=40&fmt=png&fit=cover&z=1', { ladder: DEFAULT_LADDER }).params;
      expect(Object.keys(params).sort()).toEqual([...ALLOWED_PARAMS]);
    });
  });

  describe('limits', () => {
    it(`reads a URI of MAX_URI_LENGTH (${MAX_URI_LENGTH}) characters and refuses one more unread`, () => {
      const atLimit = `/t/${'a'.repeat(MAX_URI_LENGTH - 7)}.jpg`;
      expect(atLimit.length).toBe(MAX_URI_LENGTH);
      expect(rejection(atLimit)).toBe('path too long'); // decoded, then refused for its key length
      expect(rejection(`/t/a${atLimit.slice(3)}`)).toBe('URI too long');
    });

    it('checks the URI length before anything else', () => {
      expect(rejection(`/Bad_Tenant/${'%'.repeat(MAX_URI_LENGTH)}`)).toBe('URI too long');
    });

    it(`accepts an original key of MAX_ORIGINAL_KEY_LENGTH (${MAX_ORIGINAL_KEY_LENGTH}) characters and rejects one more`, () => {
      const path = (n: number): string => `${'a'.repeat(n - '.jpg'.length)}.jpg`;
      const atLimit = accepted(`/t/${path(MAX_ORIGINAL_KEY_LENGTH - 2)}`);
      expect(originalKey(atLimit).length).toBe(MAX_ORIGINAL_KEY_LENGTH);
      expect(rejection(`/t/${path(MAX_ORIGINAL_KEY_LENGTH - 1)}`)).toBe('path too long');
    });

    it('measures the original key decoded, not as sent', () => {
      const path = `${'a'.repeat(MAX_ORIGINAL_KEY_LENGTH - 2 - 4)}.jpg`;
      const encoded = path.replace(/a/g, '%61');
      expect(originalKey(accepted(`/t/${encoded}`)).length).toBe(MAX_ORIGINAL_KEY_LENGTH);
    });

    it('counts the original key in UTF-8 bytes, as S3 and the KeyValueStore do', () => {
      const path = `${'é'.repeat(247)}.jpg`; // 494 + 4 bytes, plus `t/`: exactly the limit
      expect(accepted(`/t/${encodeURIComponent(path)}`).path).toBe(path);
      expect(rejection(`/t/a${encodeURIComponent(path)}`)).toBe('path too long');
    });

    it('keeps the canonical URI of every accepted non-ASCII key within MAX_URI_LENGTH', () => {
      expect(rejection(`/demo/${'你'.repeat(200)}.jpg`)).toBe('path too long');
      const fits = accepted(`/demo/${'你'.repeat(160)}.jpg`);
      expect(canonicalUri(fits).length).toBeLessThanOrEqual(MAX_URI_LENGTH);
    });

    it(`accepts a tenant of MAX_TENANT_LENGTH (${MAX_TENANT_LENGTH}) characters and rejects one more`, () => {
      expect(accepted(`/${'a'.repeat(MAX_TENANT_LENGTH)}/a.jpg`).tenant).toHaveLength(MAX_TENANT_LENGTH);
      expect(rejection(`/${'a'.repeat(MAX_TENANT_LENGTH + 1)}/a.jpg`)).toMatch(/^bad tenant/);
    });

    it(`accepts MAX_QUERY_PARAMS (${MAX_QUERY_PARAMS}) params, junk included, and rejects one more`, () => {
      expect(accepted(`/demo/a.jpg?w=64&${junkPairs(MAX_QUERY_PARAMS - 1)}`).params.w).toBe(64);
      expect(rejection(`/demo/a.jpg?w=64&${junkPairs(MAX_QUERY_PARAMS)}`)).toBe('too many query parameters');
    });

    it(`accepts a raw query of MAX_QUERY_LENGTH (${MAX_QUERY_LENGTH}) characters and rejects one more`, () => {
      // Counterexample: a query of exactly 2048 characters was rejected (each pair was counted with a trailing &).
      const query = (n: number): string => `w=64&q=60&utm_source=${'x'.repeat(n - 'w=64&q=60&utm_source='.length)}`;
      expect(query(MAX_QUERY_LENGTH)).toHaveLength(MAX_QUERY_LENGTH);
      expect(accepted(`/demo/a.jpg?${query(MAX_QUERY_LENGTH)}`).params).toMatchObject({ w: 64, q: 60 });
      expect(rejection(`/demo/a.jpg?${query(MAX_QUERY_LENGTH + 1)}`)).toBe('query string too long');
    });

    it('counts a parameter-less query part towards the query length', () => {
      expect(rejection(`/demo/a.jpg?${'x'.repeat(MAX_QUERY_LENGTH + 1)}`)).toBe('query string too long');
    });

    it(`accepts w and h of MAX_OUTPUT_DIMENSION (${MAX_OUTPUT_DIMENSION}) and clamps one more`, () => {
      expect(accepted(`/demo/a.jpg?w=${MAX_OUTPUT_DIMENSION}&h=${MAX_OUTPUT_DIMENSION}`).params).toMatchObject({
        w: MAX_OUTPUT_DIMENSION,
        h: MAX_OUTPUT_DIMENSION,
      });
      expect(accepted(`/demo/a.jpg?w=${MAX_OUTPUT_DIMENSION + 1}&h=${MAX_OUTPUT_DIMENSION + 1}`).params).toMatchObject({
        w: MAX_OUTPUT_DIMENSION,
        h: MAX_OUTPUT_DIMENSION,
      });
    });

    it(`parses numbers of MAX_NUMBER_DIGITS (${MAX_NUMBER_DIGITS}) digits and clamps longer ones unparsed`, () => {
      expect(accepted('/demo/a.jpg?w=004000&q=000041').params).toMatchObject({ w: 4000, q: 60 });
      expect(accepted('/demo/a.jpg?w=999999').params.w).toBe(MAX_OUTPUT_DIMENSION);
      expect(accepted('/demo/a.jpg?w=1000000&h=1000000&q=1000000').params).toMatchObject({
        w: MAX_OUTPUT_DIMENSION,
        h: MAX_OUTPUT_DIMENSION,
        q: 95,
      });
      expect(accepted(`/demo/a.jpg?w=${'9'.repeat(400)}`).params.w).toBe(MAX_OUTPUT_DIMENSION);
    });
  });
});

describe('canonicalQuery', () => {
  it('lists the allowlisted params sorted by name', () => {
    expect(canonicalQuery({ w: 640, q: 75, h: 480, fmt: 'webp' })).toBe('fmt=webp&h=480&q=75&w=640');
  });

  it('always carries fmt and q, and w and h only when set', () => {
    expect(canonicalQuery({ fmt: 'jpeg', q: 75 })).toBe('fmt=jpeg&q=75');
    expect(canonicalQuery({ fmt: 'png', q: 40, h: 64 })).toBe('fmt=png&h=64&q=40');
    expect(canonicalQuery({ fmt: 'avif', q: 95, w: 64 })).toBe('fmt=avif&q=95&w=64');
  });

  it('is the same for every parameter order and every junk param', () => {
    const a = accepted('/demo/a.jpg?w=640&q=75&fmt=webp&h=384&utm_source=x', { ladder: DEFAULT_LADDER });
    const b = accepted('/demo/a.jpg?fbclid=1&h=384&fmt=webp&w=640&q=75', { ladder: DEFAULT_LADDER });
    expect(canonicalQuery(a.params)).toBe('fmt=webp&h=384&q=75&w=640');
    expect(canonicalQuery(b.params)).toBe(canonicalQuery(a.params));
  });

  it('never carries the Accept header, only the format it chose', () => {
    const accept = 'image/avif,image/webp;q=0.9,*/*;q=0.8';
    const req = accepted('/demo/a.jpg?w=100', { accept, ladder: DEFAULT_LADDER });
    const outputs = [canonicalQuery(req.params), canonicalUri(req), originalKey(req), variantKey(req)];
    for (const out of outputs) {
      expect(out).not.toMatch(/image\/|accept|;q=|\*\//i);
    }
    expect(Object.keys(req).sort()).toEqual(['params', 'path', 'source', 'tenant']);
    expect(canonicalQuery(req.params)).toBe('fmt=avif&q=75&w=128');
  });
});

describe('canonicalUri', () => {
  it('leaves a plain path as it is', () => {
    expect(canonicalUri(accepted('/demo/photos/cat.jpg'))).toBe('/demo/photos/cat.jpg');
  });

  it('re-encodes spaces, plus, @, comma and non-ASCII one way only', () => {
    expect(canonicalUri(accepted('/demo/a b+c@d,e.jpg'))).toBe('/demo/a%20b%2Bc%40d%2Ce.jpg');
    expect(canonicalUri(accepted('/demo/café.jpg'))).toBe('/demo/caf%C3%A9.jpg');
    expect(canonicalUri(accepted('/demo/😀.png'))).toBe('/demo/%F0%9F%98%80.png');
  });

  it('gives every spelling of one path the same URI', () => {
    const spellings = ['/demo/caf%C3%A9.jpg', '/demo/caf%c3%a9.jpg', '/demo/café.jpg', '/demo/%63af%C3%A9.jpg', '/demo/caf%C3%A9%2Ejpg'];
    const uris = new Set(spellings.map((s) => canonicalUri(accepted(s))));
    expect([...uris]).toEqual(['/demo/caf%C3%A9.jpg']);
  });

  it('turns an encoded slash into a literal one', () => {
    expect(canonicalUri(accepted('/demo/a%2Fb.jpg'))).toBe('/demo/a/b.jpg');
  });

  it('parses back to the same request', () => {
    const req = accepted('/demo/My%20Photos/caf%C3%A9+(1).png?w=300&fmt=webp', { ladder: DEFAULT_LADDER });
    const again = parseImageRequest(canonicalUri(req), queryPairs(canonicalQuery(req.params)), { ladder: DEFAULT_LADDER });
    expect(again).toEqual({ ok: true, request: req });
  });
});

describe('originalKey', () => {
  it('is tenant/path, decoded, with the path’s case', () => {
    expect(originalKey(accepted('/demo/Photos/caf%C3%A9.JPG'))).toBe('demo/Photos/café.JPG');
  });
});

describe('variantKey', () => {
  const req = (query: string): ImageRequest => accepted(`/demo/photos/cat.jpg?${query}`, { ladder: DEFAULT_LADDER, accept: CHROME_ACCEPT });

  it('sits below the original key and names size, quality and format', () => {
    expect(variantKey(req('w=640&h=384&fmt=webp'))).toBe('demo/photos/cat.jpg/w640_h384_q75.webp');
  });

  it('leaves out the sizes that were not asked for', () => {
    expect(variantKey(req('fmt=jpg'))).toBe('demo/photos/cat.jpg/q75.jpeg');
    expect(variantKey(req('h=384&q=40&fmt=webp'))).toBe('demo/photos/cat.jpg/h384_q40.webp');
    expect(variantKey(req('w=64'))).toBe('demo/photos/cat.jpg/w64_q75.avif');
  });

  it('tells w from h', () => {
    expect(variantKey(req('w=640'))).not.toBe(variantKey(req('h=640')));
  });

  it('names a fit other than inside, and a JPEG contain its background, between the sizes and the quality', () => {
    expect(variantKey(req('w=640&h=640&fit=cover'))).toBe('demo/photos/cat.jpg/w640_h640_cover_q75.avif');
    expect(variantKey(req('w=640&h=640&fit=inside'))).toBe('demo/photos/cat.jpg/w640_h640_q75.avif');
    const jpeg = accepted('/demo/photos/cat.jpg?w=640&h=640&fit=contain&fmt=jpeg', { ladder: DEFAULT_LADDER, background: '1d2330' });
    expect(variantKey({ ...jpeg, generation: 'k3j2x9m4' })).toBe('demo/photos/cat.jpg/w640_h640_contain_bg1d2330_q75_vk3j2x9m4.jpeg');
  });
});
