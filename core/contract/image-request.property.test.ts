/**
 * Generated-URL properties of the image contract. Every run is seeded so CI
 * replays the same inputs; a failure prints the seed and path to replay it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, SOURCE_EXTENSIONS, negotiateFormat, type OutputFormat } from './formats.ts';
import { variantSpace } from './key-space.ts';
import {
  ALLOWED_PARAMS,
  BACKGROUND_PARAM,
  BAD_FIT,
  canonicalQuery,
  DPR_PARAM,
  FITS,
  heightAt,
  canonicalUri,
  originalKey,
  parseImageRequest,
  queryPairs,
  variantKey,
  type ImageRequest,
  type ParseOptions,
  type Fit,
  type ParseResult,
  type TenantPolicy,
  type VariantParams,
} from './image-request.ts';
import { ladderProblem } from './kvs.ts';
import {
  DEFAULT_LADDER,
  MAX_ASPECT_RATIOS,
  MAX_LADDER_RUNGS,
  MAX_RATIO_TERM,
  DEFAULT_QUALITY,
  MAX_ORIGINAL_KEY_LENGTH,
  MAX_OUTPUT_DIMENSION,
  MAX_QUERY_LENGTH,
  MAX_QUERY_PARAMS,
  MAX_TENANT_LENGTH,
  MAX_URI_LENGTH,
  QUALITY_STEPS,
} from './limits.ts';

const SEED = 0x1a9ed9e;

/** Generated URLs per property; the total is what the suite promises (≥ 100,000). */
const RUNS = {
  noThrow: 40_000,
  safeKeys: 25_000,
  idempotent: 15_000,
  junkInvariant: 10_000,
  acceptOnlyFmt: 10_000,
  injective: 10_000,
  paramModel: 10_000,
} as const;

type Pair = readonly [string, string];

// ─── tenants ────────────────────────────────────────────────────────────────

const tenantChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-');
const validTenant = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('demo', 'acme', 't', 'a-1', '0') },
  { weight: 3, arbitrary: fc.string({ unit: tenantChar, minLength: 1, maxLength: MAX_TENANT_LENGTH }) },
  { weight: 1, arbitrary: fc.string({ unit: tenantChar, minLength: MAX_TENANT_LENGTH, maxLength: MAX_TENANT_LENGTH }) },
);
const invalidTenant = fc.oneof(
  fc.constantFrom('', 'Demo', 'DEMO', 'de_mo', '_', 'a'.repeat(MAX_TENANT_LENGTH + 1), '.', '..', '%2e%2e', 'd%65mo', 'démo', 'de mo', 'de+mo', '\u0000', 'de\\mo'),
  validTenant.map((t) => `X${t}`),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

// ─── path segments ──────────────────────────────────────────────────────────

/** Pieces of segments that a well-behaved client may send, raw or percent-encoded. */
const SAFE_TOKENS = [
  'a', 'b', 'cat', 'IMG_0001', 'photo-2', 'v1.2', 'x..y', '2024', '~', '(', ')', '@', ',', '_', '-', ' ', '+',
  '%20', '%2B', '%2b', '%41', '%7E', 'é', '%C3%A9', '%c3%a9', '你', '%E4%BD%A0', '😀', '%F0%9F%98%80', '\u00a0', 'ß', 'Ω',
];
/** Pieces an attacker sends: dots, separators, escapes (single and double), controls, broken UTF-8/UTF-16. */
const HOSTILE_TOKENS = [
  '.', '..', '%2e', '%2E', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%2f', '%2F', '%2f..%2f', '..%5c', '%5c', '%5C', '\\',
  '%00', '\u0000', '\u0001', '\t', '\n', '%0a', '%0D', '%1f', '%7f', '\u007f', '%C2%85', '\u0085', '%25', '%252e',
  '%252e%252e', '%252f', '%255c', '%', '%zz', '%4', '%E4%BD', '%ED%A0%80', '%FF', '%C0%AE', '\ud800', '\udc00', '\ud83d',
  '?', '#', ':', '*', '"', '<', '/', '//', '%3F', '%23', '\u2028', '\ufeff', '\uffff', '\u200b', '\uff0e\uff0e',
];

const segment = (hostileWeight: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 40, arbitrary: fc.constantFrom(...SAFE_TOKENS) },
        { weight: hostileWeight, arbitrary: fc.constantFrom(...HOSTILE_TOKENS) },
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((tokens) => tokens.join(''));

/** One long segment, to reach the key and URI length limits from both sides. */
const longSegment = fc
  .tuple(fc.constantFrom('a', '%61', '你', '%E4%BD%A0', '😀', 'é ', 'b%2Fc'), fc.integer({ min: 100, max: 800 }))
  .map(([unit, n]) => unit.repeat(n));

const VALID_EXTENSIONS = [...SOURCE_EXTENSIONS, 'JPG', 'Jpeg', 'PNG', 'WebP', 'GIF', 'AVIF', 'TIF', 'TiFF', '%6A%70%67', '%70ng'];
const INVALID_EXTENSIONS = ['svg', 'SVG', 'svgz', 'bmp', 'php', 'html', '', 'jpg%00', 'jp%20g', 'jpg.', 'exe', 'jpg%2f', 'jpg/', 'jpg ', 'jpe', 'ｊｐｇ'];

interface UriShape {
  /** Relative weight of hostile pieces (path tokens, prefix, dot, suffix) against 40 for well-formed ones. */
  readonly hostile: number;
  /** Relative weight of an invalid tenant against 20 for a valid one. */
  readonly badTenant: number;
  /** Relative weight of an invalid extension against 20 for a valid one. */
  readonly badExt: number;
}

/** `good` most of the time, one of `bad` with relative weight `hostile` against 40. */
const mostly = (good: string, bad: readonly string[], hostile: number): fc.Arbitrary<string> =>
  fc.oneof({ weight: 40, arbitrary: fc.constant(good) }, { weight: hostile, arbitrary: fc.constantFrom(...bad) });

const structuredUri = (shape: UriShape): fc.Arbitrary<string> =>
  fc
    .record({
      prefix: mostly('/', ['//', '', '\\', '/./', '%2F'], shape.hostile),
      tenant: fc.oneof({ weight: 20, arbitrary: validTenant }, { weight: shape.badTenant, arbitrary: invalidTenant }),
      segments: fc.oneof(
        { weight: 40, arbitrary: fc.array(fc.oneof({ weight: 20, arbitrary: segment(shape.hostile) }, { weight: 1, arbitrary: longSegment }), { minLength: 1, maxLength: 4 }) },
        // No name before the extension: `/demo/jpg`, `/demo/.jpg`.
        { weight: Math.max(1, shape.hostile), arbitrary: fc.constant([]) },
      ),
      dot: fc.oneof({ weight: 3, arbitrary: mostly('.', [''], shape.hostile) }, { weight: 1, arbitrary: fc.constantFrom('%2e', '%2E') }),
      ext: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(...VALID_EXTENSIONS) },
        { weight: shape.badExt, arbitrary: fc.constantFrom(...INVALID_EXTENSIONS) },
      ),
      suffix: mostly('', ['/', '//', '/.', '%00', '/..'], shape.hostile),
    })
    .map(({ prefix, tenant, segments, dot, ext, suffix }) => `${prefix}${tenant}/${segments.join('/')}${dot}${ext}${suffix}`);

/** Mostly well-formed URLs, so most are accepted and the accepted-request properties have material. */
const mostlyValidUri = structuredUri({ hostile: 1, badTenant: 1, badExt: 1 });

/** Anything at all: hostile URLs, arbitrary strings, over-long URIs. */
const anyUri = fc.oneof(
  { weight: 6, arbitrary: structuredUri({ hostile: 20, badTenant: 6, badExt: 6 }) },
  { weight: 2, arbitrary: mostlyValidUri },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_URI_LENGTH - 10, max: MAX_URI_LENGTH + 10 }).map((n) => `/demo/${'a'.repeat(n - 10)}.jpg`) },
);

// ─── query pairs ────────────────────────────────────────────────────────────

const validDim = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION + 500 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 99_999_999 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('000640', '0000000640', '9999999', '4096', '4097', '1') },
);
const anyDim = fc.oneof(
  { weight: 4, arbitrary: validDim },
  { weight: 1, arbitrary: fc.constantFrom('0', '00', '0000000', '-1', 'abc', '1.5', '', '%31', '1e3', ' 1', '+1', '４', 'NaN') },
);
const validQuality = fc.integer({ min: 1, max: 120 }).map(String);
const anyQuality = fc.oneof({ weight: 4, arbitrary: validQuality }, { weight: 1, arbitrary: fc.constantFrom('0', '', '75.0', 'x', '0000075', '1000000') });
const VALID_FMTS = ['auto', 'AUTO', 'Auto', 'avif', 'AVIF', 'webp', 'jpeg', 'jpg', 'JPG', 'png', 'PNG'];
const validFmt = fc.constantFrom(...VALID_FMTS);
const anyFmt = fc.oneof(
  { weight: 4, arbitrary: validFmt },
  { weight: 1, arbitrary: fc.constantFrom('gif', 'svg', '', 'image/webp', 'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'tostring') },
);

const VALID_FITS = [...FITS, 'COVER', 'Contain'];
const validFit = fc.constantFrom(...VALID_FITS);
const anyFit = fc.oneof({ weight: 4, arbitrary: validFit }, { weight: 1, arbitrary: fc.constantFrom('', 'crop', 'scale-down', 'constructor', '__proto__', 'cover ') });

/** Device pixel ratios as pages and apps write them (dpr folds into w and h: it is read, never keyed). */
const validDpr = fc.oneof(fc.constantFrom('1', '1.5', '2', '2.625', '3', '0.75', '4'), fc.integer({ min: 1, max: 9999 }).map((n) => (n / 1000).toFixed(3)));

const allowedPair = (dim: fc.Arbitrary<string>, q: fc.Arbitrary<string>, fmt: fc.Arbitrary<string>, fit: fc.Arbitrary<string>): fc.Arbitrary<Pair> =>
  fc.oneof(
    fc.tuple(fc.constant('w'), dim),
    fc.tuple(fc.constant('h'), dim),
    fc.tuple(fc.constant('q'), q),
    fc.tuple(fc.constant('fmt'), fmt),
    fc.tuple(fc.constant('fit'), fit),
    fc.tuple(fc.constant(DPR_PARAM), validDpr),
  );

/** Each allowlisted name (and dpr) at most once, in any order (so no duplicate-parameter rejection). */
const uniqueAllowed = (dim: fc.Arbitrary<string>, q: fc.Arbitrary<string>, fmt: fc.Arbitrary<string>, fit: fc.Arbitrary<string>): fc.Arbitrary<Pair[]> =>
  fc.uniqueArray(allowedPair(dim, q, fmt, fit), { selector: ([name]) => name, maxLength: ALLOWED_PARAMS.length + 1 });

/** A name the contract reads: the allowlist and dpr, and from a canonical query only, the background. */
const isAllowed = (name: string): boolean => (ALLOWED_PARAMS as readonly string[]).includes(name) || name === DPR_PARAM || name === BACKGROUND_PARAM;

const JUNK_NAMES = [
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'fbclid', 'gclid', 'msclkid', 'sessionid',
  'jsessionid', 'JSESSIONID', 'PHPSESSID', '_', 'sig', 'kid', 'exp', 'token', 'W', 'H', 'Q', 'FMT', 'Fmt', '%77', '%68',
  '%71', '%66%6D%74', 'fmt%20', ' w', 'w ', 'w%00', 'ww', 'width', 'format', 'quality', '', '__proto__', 'constructor',
  'toString', 'hasOwnProperty',
];
const junkName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...JUNK_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).filter((n) => !isAllowed(n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).filter((n) => !isAllowed(n)) },
);
const junkValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', '1', 'x', 'abc', '%', '%zz', '..', '../../etc/passwd', 'w=100', 'fmt=gif', '%26w%3D1') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1200 }).map((n) => 'x'.repeat(n)) },
);
const junkPair: fc.Arbitrary<Pair> = fc.tuple(junkName, junkValue);

/** Allowlisted params (possibly malformed or duplicated), junk, and random pairs; sometimes past the count limit. */
const anyPairs: fc.Arbitrary<Pair[]> = (() => {
  const pair = fc.oneof(
    { weight: 3, arbitrary: allowedPair(anyDim, anyQuality, anyFmt, anyFit) },
    { weight: 3, arbitrary: junkPair },
    { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(pair, { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(pair, { minLength: MAX_QUERY_PARAMS - 3, maxLength: MAX_QUERY_PARAMS + 3 }) },
  );
})();

/** Well-formed allowlisted params mixed with a little junk, in any order. */
const mostlyValidPairs: fc.Arbitrary<Pair[]> = fc
  .tuple(uniqueAllowed(validDim, validQuality, validFmt, validFit), fc.array(fc.tuple(junkPair, fc.nat()), { maxLength: 3 }))
  .map(([allowed, junk]) => insertAt(allowed, junk));

/** Inserts each `[pair, position]` at `position` modulo the length so far: junk lands anywhere. */
function insertAt(pairs: readonly Pair[], inserts: ReadonlyArray<readonly [Pair, number]>): Pair[] {
  const out = [...pairs];
  for (const [pair, position] of inserts) out.splice(position % (out.length + 1), 0, pair);
  return out;
}

/** The raw query string these pairs came from (`n=v&n=v`). */
const rawQuery = (pairs: readonly Pair[]): string => pairs.map(([name, value]) => `${name}=${value}`).join('&');

// ─── Accept headers and ladders ─────────────────────────────────────────────

const BROWSER_ACCEPTS = [
  'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'image/webp,*/*',
  'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'image/png, image/svg+xml, image/*;q=0.8, */*;q=0.5',
  '*/*',
  '',
  'image/avif;q=0,image/webp',
  'image/avif;q=0,image/webp;q=0',
];
const acceptRange = fc
  .tuple(
    fc.constantFrom('image/avif', 'image/webp', 'image/png', 'image/jpeg', 'image/*', '*/*', 'video/*', 'IMAGE/AVIF', ' image/webp ', 'image/avifx', ''),
    fc.option(fc.constantFrom('0', '0.0', '0.5', '1', '0.001', 'abc', '', ' 0 ')),
  )
  .map(([type, q]) => (q === null ? type : `${type};q=${q}`));
const accept: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BROWSER_ACCEPTS) },
  { weight: 3, arbitrary: fc.array(acceptRange, { maxLength: 6 }).map((ranges) => ranges.join(',')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A ladder ladderProblem accepts. */
const customLadder = fc
  .uniqueArray(fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }), { minLength: 1, maxLength: MAX_LADDER_RUNGS })
  .map((rungs) => [...rungs].sort((a, b) => a - b));
const viewerLadder = fc.oneof(fc.constant(DEFAULT_LADDER), customLadder);
/** A tenant's restriction of q: some of QUALITY_STEPS, ascending. */
const qualities = fc.subarray([...QUALITY_STEPS], { minLength: 1 });
/** A tenant's aspect ratios, common ones and any within the terms' range; `[]` (h dropped) among them. */
const ratioTerm = fc.integer({ min: 1, max: MAX_RATIO_TERM });
const ratios = fc.uniqueArray(
  fc.oneof(fc.constantFrom<readonly [number, number]>([1, 1], [4, 3], [3, 2], [16, 9], [9, 16], [2, 3]), fc.tuple(ratioTerm, ratioTerm)),
  { maxLength: MAX_ASPECT_RATIOS, selector: ([w, h]) => `${w}:${h}` },
);
/** A tenant's restriction of fit: some of FITS, inside (the default) among them. */
const fits = fc.subarray(FITS.filter((fit) => fit !== 'inside')).map((others): Fit[] => ['inside', ...others]);
const hex = fc.integer({ min: 0, max: 0xffffff }).map((n) => n.toString(16).padStart(6, '0'));
/** What a viewer parses with: a tenant's ladder and background (tenantPolicy always sets both), and at times its q, h and fit restrictions. */
const viewerPolicy: fc.Arbitrary<TenantPolicy> = fc.record(
  { ladder: viewerLadder, background: hex, qualities, ratios, fits },
  { requiredKeys: ['ladder', 'background'] },
);
/** The origin's options (none: values arrive snapped) or a viewer's. */
const anyPolicy: fc.Arbitrary<TenantPolicy | undefined> = fc.oneof(fc.constant(undefined), viewerPolicy);

// ─── helpers ────────────────────────────────────────────────────────────────

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const URI_SAFE = /^[A-Za-z0-9\-_.!~*'()%/]+$/;
const VARIANT_NAME = /^(w[1-9][0-9]*_)?(h[1-9][0-9]*_)?((cover|fill)_|contain_(bg[0-9a-f]{6}_)?)?q[1-9][0-9]*\.(avif|webp|jpeg|png)$/;

const parse = (uri: string, pairs: readonly Pair[], options: ParseOptions): ParseResult => parseImageRequest(uri, pairs, options);

/** Counts how often a property actually exercised an accepted request, so a generator drift can't hollow it out. */
function counter(): { hit: () => void; atLeast: (share: number, runs: number) => void } {
  let hits = 0;
  return {
    hit: () => {
      hits++;
    },
    atLeast: (share, runs) => expect(hits).toBeGreaterThanOrEqual(Math.floor(share * runs)),
  };
}

/**
 * Why an accepted request's keys are unsafe, or undefined when they are safe.
 * Plain checks rather than expect(): this runs for tens of thousands of requests.
 */
function keyProblem(req: ImageRequest, policy: TenantPolicy | undefined): string | undefined {
  const original = originalKey(req);
  const variant = variantKey(req);
  const uri = canonicalUri(req);

  if (!/^[a-z0-9-]{1,32}$/.test(req.tenant)) return `bad tenant ${req.tenant}`;
  for (const key of [original, variant]) {
    if (!key.startsWith(`${req.tenant}/`)) return `${key} is outside the tenant's prefix`;
    if (key.includes('\\')) return `${key} holds a backslash`;
    if (CONTROL.test(key)) return `${key} holds a control character`;
    if (key.includes('%')) return `${key} holds a % (decoded twice downstream?)`;
    for (const part of key.split('/')) {
      if (part === '') return `${key} has an empty segment`;
      if (part.charAt(0) === '.') return `${key} has a dot segment`;
    }
  }
  if (original.length > MAX_ORIGINAL_KEY_LENGTH) return `${original} is longer than MAX_ORIGINAL_KEY_LENGTH`;
  if (!variant.startsWith(`${original}/`) || !VARIANT_NAME.test(variant.slice(original.length + 1))) {
    return `${variant} is not {originalKey}/{w_}{h_}{fit_}{bg_}q.{fmt}`;
  }

  if (!uri.startsWith(`/${req.tenant}/`)) return `${uri} is outside the tenant's prefix`;
  if (!URI_SAFE.test(uri)) return `${uri} is not percent-encoded one way`;
  if (uri.length > MAX_URI_LENGTH) return `${uri} is longer than MAX_URI_LENGTH`;

  const name = req.path.slice(req.path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot < 1 || name.slice(dot + 1).toLowerCase() !== req.source || !(SOURCE_EXTENSIONS as readonly string[]).includes(req.source)) {
    return `${req.path} does not end in .${req.source}`;
  }

  const { fmt, q, w, h, fit, bg } = req.params;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(fmt)) return `fmt ${String(fmt)} is not an output format`;
  if (fit !== undefined && (w === undefined || h === undefined)) return `fit ${fit} kept without both sides`;
  if (fit !== undefined && policy?.fits && !policy.fits.includes(fit)) return `fit ${fit} is not one of the tenant's fits`;
  if ((bg !== undefined) !== (fit === 'contain' && fmt === 'jpeg')) return `bg ${bg} on a ${fit} ${fmt}`;
  if (bg !== undefined && policy?.background !== undefined && bg !== policy.background) return `bg ${bg} is not the tenant's background`;
  if (!QUALITY_STEPS.includes(q)) return `q ${q} is not a quality step`;
  if (fmt !== 'png' && policy?.qualities && !policy.qualities.includes(q)) return `q ${q} is not one of the tenant's qualities`;
  for (const size of [w, h]) {
    if (size === undefined) continue;
    if (!Number.isInteger(size) || size < 1 || size > MAX_OUTPUT_DIMENSION) return `size ${size} is out of range`;
  }
  const ladder = policy?.ladder;
  if (ladder && w !== undefined && !ladder.includes(w)) return `w ${w} is not on the ladder`;
  if (h === undefined || !ladder) return undefined;
  const ratios = policy.ratios;
  if (ratios?.length === 0) return `h ${h} kept though the tenant drops h`;
  if (ratios && w !== undefined) return ratios.some((ratio) => heightAt(w, ratio) === h) ? undefined : `h ${h} is no ratio's height at w ${w}`;
  return ladder.includes(h) ? undefined : `h ${h} is not on the ladder`;
}

// ─── properties ─────────────────────────────────────────────────────────────

describe('parseImageRequest properties', () => {
  it('generates only ladders the tenant config validation accepts', () => {
    fc.assert(
      fc.property(customLadder, (ladder) => ladderProblem(ladder) === undefined),
      { numRuns: 1_000, seed: SEED },
    );
  });

  it('never lets an exception escape, for any URI, query and Accept header', () => {
    fc.assert(
      fc.property(anyUri, anyPairs, accept, anyPolicy, fc.boolean(), (uri, pairs, acc, policy, noOptions) => {
        const result = noOptions ? parseImageRequest(uri, pairs) : parse(uri, pairs, { accept: acc, ...policy });
        if (result.ok) {
          // What it accepts, the key builders must handle too (the viewer calls them next).
          canonicalUri(result.request);
          canonicalQuery(result.request.params);
          variantKey(result.request);
        } else {
          // A one-line printable reason: safe to put in a 400 body.
          expect(result.reason).toMatch(/^[ -~]+$/);
        }
      }),
      { numRuns: RUNS.noThrow, seed: SEED },
    );
  });

  it('builds keys that stay inside the tenant’s prefix for every accepted request', () => {
    const accepted = counter();
    fc.assert(
      fc.property(
        fc.oneof(mostlyValidUri, anyUri),
        fc.oneof(mostlyValidPairs, anyPairs),
        accept,
        anyPolicy,
        (uri, pairs, acc, policy) => {
          const result = parse(uri, pairs, { accept: acc, ...policy });
          if (!result.ok) return;
          accepted.hit();
          expect(keyProblem(result.request, policy)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.safeKeys, seed: SEED },
    );
    accepted.atLeast(0.25, RUNS.safeKeys);
  });

  it('reads w, h, q and fmt as a reference model does: reject, else clamp and snap', () => {
    const FMT_MODEL: Record<string, OutputFormat | 'auto'> = { auto: 'auto', avif: 'avif', webp: 'webp', jpeg: 'jpeg', jpg: 'jpeg', png: 'png' };
    /** Decimal digits only, value by BigInt (no length cut-off), zero refused, then clamped. */
    const numberModel = (raw: string, max: number): number | undefined => {
      if (!/^[0-9]+$/.test(raw)) return undefined;
      const n = BigInt(raw);
      return n === 0n ? undefined : n > BigInt(max) ? max : Number(n);
    };
    const digits = fc.oneof(
      anyDim,
      fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 9_999_999 })).map(([zeros, n]) => '0'.repeat(zeros) + String(n)),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 }),
    );
    const param = fc.oneof(
      fc.tuple(fc.constantFrom('w', 'h'), digits),
      fc.tuple(fc.constant('q'), fc.oneof(anyQuality, digits)),
      fc.tuple(fc.constant('fmt'), fc.oneof(anyFmt, fc.string({ maxLength: 12 }))),
      fc.tuple(fc.constant('fit'), fc.oneof(anyFit, fc.string({ maxLength: 8 }))),
    );
    fc.assert(
      fc.property(param, accept, anyPolicy, ([name, value], acc, policy) => {
        const result = parse('/demo/a.png', [[name, value]], { accept: acc, ...policy });
        if (name === 'fit') {
          // Alone, without w and h, a fit changes nothing: it is checked, never kept.
          const fit = value.toLowerCase() as Fit;
          if (!(FITS as readonly string[]).includes(fit)) expect(result).toEqual({ ok: false, reason: BAD_FIT });
          else if (fit !== 'inside' && policy?.fits && !policy.fits.includes(fit)) expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/is not allowed for this tenant/) });
          else expect(result.ok && result.request.params).not.toHaveProperty('fit');
          return;
        }
        if (name === 'fmt') {
          const model = Object.prototype.hasOwnProperty.call(FMT_MODEL, value.toLowerCase()) ? FMT_MODEL[value.toLowerCase()] : undefined;
          if (model === undefined) {
            expect(result.ok).toBe(false);
          } else {
            const fmt = model === 'auto' ? negotiateFormat(acc ?? '', 'png') : model;
            expect(result).toMatchObject({ ok: true, request: { params: { fmt } } });
          }
          return;
        }
        const max = name === 'q' ? 100 : MAX_OUTPUT_DIMENSION;
        const n = numberModel(value, max);
        if (n === undefined) {
          expect(result).toEqual({ ok: false, reason: `${name} must be a positive integer` });
          return;
        }
        const rungs = name === 'q' ? (policy?.qualities ?? QUALITY_STEPS) : policy?.ladder;
        const snapped = rungs === undefined ? n : (rungs.find((r) => r >= n) ?? rungs[rungs.length - 1]);
        // Lossless PNG output keeps one key whatever q says.
        const pngOut = negotiateFormat(acc ?? '', 'png') === 'png';
        // A tenant that drops h drops it; alone, without w, h snaps to the ladder whatever the ratios.
        if (name === 'h' && policy?.ratios?.length === 0) {
          expect(result.ok && result.request.params).not.toHaveProperty('h');
          return;
        }
        const expected = name === 'q' && pngOut ? DEFAULT_QUALITY : snapped;
        expect(result).toMatchObject({ ok: true, request: { params: { [name]: expected } } });
      }),
      { numRuns: RUNS.paramModel, seed: SEED },
    );
  });

  it('is idempotent: the canonical URL parses to the same request, at the viewer and at the origin', () => {
    const accepted = counter();
    fc.assert(
      fc.property(mostlyValidUri, mostlyValidPairs, accept, accept, anyPolicy, (uri, pairs, acc, otherAccept, policy) => {
        const first = parse(uri, pairs, { accept: acc, ...policy });
        if (!first.ok) return;
        accepted.hit();
        const req = first.request;
        const canonical = queryPairs(canonicalQuery(req.params));
        // The viewer again (same tenant policy, any client): nothing changes.
        expect(parse(canonicalUri(req), canonical, { accept: otherAccept, ...policy })).toEqual(first);
        // The origin (no ladder; values already snapped): the same params.
        expect(parse(canonicalUri(req), canonical, { accept: otherAccept })).toEqual(first);
      }),
      { numRuns: RUNS.idempotent, seed: SEED },
    );
    accepted.atLeast(0.3, RUNS.idempotent);
  });

  it('ignores junk params anywhere in the query, within the count and length limits', () => {
    const accepted = counter();
    const junkInserts = fc.oneof(
      { weight: 4, arbitrary: fc.array(fc.tuple(junkPair, fc.nat()), { minLength: 1, maxLength: 8 }) },
      { weight: 1, arbitrary: fc.array(fc.tuple(junkPair, fc.nat()), { minLength: MAX_QUERY_PARAMS - 8, maxLength: MAX_QUERY_PARAMS + 2 }) },
    );
    fc.assert(
      fc.property(
        mostlyValidUri,
        uniqueAllowed(anyDim, anyQuality, anyFmt, anyFit),
        junkInserts,
        hex,
        fc.option(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.nat())),
        accept,
        anyPolicy,
        (uri, allowed, inserts, colour, filler, acc, policy) => {
          const options = { accept: acc, ...policy };
          const clean = parse(uri, allowed, options);
          // A viewer's bg is junk too: the viewer sets the tenant's (only the origin reads it).
          const viewerJunk: Array<readonly [Pair, number]> = policy === undefined ? [] : [[[BACKGROUND_PARAM, colour], colour.length]];
          let noisyPairs = insertAt(allowed, [...inserts, ...viewerJunk]);
          if (filler !== null) {
            // One more junk pair sized so the raw query lands within ±2 of MAX_QUERY_LENGTH.
            const [offset, position] = filler;
            const room = MAX_QUERY_LENGTH + offset - rawQuery(noisyPairs).length - (noisyPairs.length > 0 ? 1 : 0) - 'pad='.length;
            if (room >= 0) noisyPairs = insertAt(noisyPairs, [[['pad', 'x'.repeat(room)], position]]);
          }
          const noisy = parse(uri, noisyPairs, options);
          const withinLimits = noisyPairs.length <= MAX_QUERY_PARAMS && rawQuery(noisyPairs).length <= MAX_QUERY_LENGTH;
          if (withinLimits) {
            expect(noisy).toEqual(clean);
            if (clean.ok) accepted.hit();
          } else if (clean.ok) {
            expect(noisy).toEqual({ ok: false, reason: expect.stringMatching(/^(too many query parameters|query string too long)$/) });
          }
        },
      ),
      { numRuns: RUNS.junkInvariant, seed: SEED },
    );
    accepted.atLeast(0.2, RUNS.junkInvariant);
  });

  it('lets Accept change only fmt (and q, pinned for lossless PNG, and bg, kept on a JPEG only), and only when fmt is auto or absent', () => {
    const accepted = counter();
    const pairs = fc.oneof(mostlyValidPairs, anyPairs);
    fc.assert(
      fc.property(mostlyValidUri, pairs, accept, accept, anyPolicy, (uri, query, a, b, policy) => {
        const ra = parse(uri, query, { accept: a, ...policy });
        const rb = parse(uri, query, { accept: b, ...policy });
        if (!ra.ok || !rb.ok) {
          expect(rb).toEqual(ra);
          return;
        }
        accepted.hit();
        // The background goes with the format: it is kept only on a JPEG.
        const { fmt: fmtA, q: qA, bg: bgA, ...restA } = ra.request.params;
        const { fmt: fmtB, q: qB, bg: bgB, ...restB } = rb.request.params;
        expect({ ...rb.request, params: restB }).toEqual({ ...ra.request, params: restA });
        if (fmtA === 'jpeg' && fmtB === 'jpeg') expect(bgB).toBe(bgA);
        if (fmtA !== 'png' && fmtB !== 'png') expect(qB).toBe(qA);

        const asked = query.find(([name]) => name === 'fmt');
        if (asked !== undefined && asked[1].toLowerCase() !== 'auto') {
          expect(fmtB).toBe(fmtA);
        } else {
          expect(fmtA).toBe(negotiateFormat(a ?? '', ra.request.source));
          expect(fmtB).toBe(negotiateFormat(b ?? '', rb.request.source));
        }
      }),
      { numRuns: RUNS.acceptOnlyFmt, seed: SEED },
    );
    accepted.atLeast(0.3, RUNS.acceptOnlyFmt);
  });

  it('normalizes every request to one of variantSpace(policy), each of which a request can reach: the cache keys an original can have', () => {
    const requests = fc.array(fc.tuple(mostlyValidPairs, accept), { minLength: 40, maxLength: 40 });
    let landed = 0;
    fc.assert(
      fc.property(viewerPolicy, requests, (policy, asked) => {
        const space = variantSpace(policy);
        const queries = new Set(space.map(canonicalQuery));
        expect(queries.size).toBe(space.length);
        for (const [pairs, acc] of asked) {
          const result = parse('/demo/a.jpg', pairs, { accept: acc, ...policy });
          if (!result.ok) continue;
          landed++;
          expect(queries.has(canonicalQuery(result.request.params)), canonicalQuery(result.request.params)).toBe(true);
        }
        for (const params of space) {
          const reached = parse('/demo/a.jpg', queryPairs(canonicalQuery(params)), policy);
          expect(reached.ok && reached.request.params).toEqual(params);
        }
      }),
      { numRuns: 60, seed: SEED },
    );
    expect(landed).toBeGreaterThan(60 * 40 * 0.3);
  });

  it("holds w with h to the ratio nearest what was asked (the first listed on a tie), at the snapped width", () => {
    const size = fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION });
    const withRatios = fc.record({ ladder: viewerLadder, ratios: ratios.filter((list) => list.length > 0) });
    fc.assert(
      fc.property(withRatios, size, size, (policy, w, h) => {
        const result = parse('/demo/a.jpg', [['w', String(w)], ['h', String(h)]], policy);
        if (!result.ok) throw new Error(result.reason);
        const { w: width, h: height } = result.request.params;
        // How far (times) each ratio is from w:h; the model picks the least, the first on a tie.
        const far = policy.ratios.map(([rw, rh]) => Math.max((w * rh) / (h * rw), (h * rw) / (w * rh)));
        const best = far.indexOf(Math.min(...far));
        const nearest = heightAt(width!, policy.ratios[best]!);
        if (width === w) {
          // On a rung already: a height of one of the ratios there is kept as it is.
          const kept = policy.ratios.some((ratio) => heightAt(width, ratio) === h);
          expect(height).toBe(kept ? h : nearest);
        } else {
          expect(height).toBe(nearest);
        }
      }),
      { numRuns: RUNS.paramModel, seed: SEED },
    );
  });

  it('gives distinct canonical params distinct variant keys', () => {
    const size = fc.option(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(64, 128, 640) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_OUTPUT_DIMENSION }) }),
      { nil: undefined },
    );
    const params: fc.Arbitrary<VariantParams> = fc
      .record({
        fmt: fc.constantFrom<OutputFormat>(...OUTPUT_FORMATS),
        q: fc.constantFrom(...QUALITY_STEPS),
        w: size,
        h: size,
        fit: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<Exclude<Fit, 'inside'>>('cover', 'contain', 'fill') }),
        bg: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('ffffff', '000000') }),
      })
      .map(({ fmt, q, w, h, fit, bg }) => ({
        fmt,
        q,
        ...(w !== undefined ? { w } : {}),
        ...(h !== undefined ? { h } : {}),
        ...(fit !== undefined ? { fit } : {}),
        ...(bg !== undefined ? { bg } : {}),
      }));
    const original = mostlyValidUri
      .map((uri) => parseImageRequest(uri, []))
      .filter((r): r is { ok: true; request: ImageRequest } => r.ok)
      .map((r) => r.request);
    let collisions = 0;
    fc.assert(
      fc.property(original, params, params, (req, a, b) => {
        const sameParams = canonicalQuery(a) === canonicalQuery(b);
        const sameKey = variantKey({ ...req, params: a }) === variantKey({ ...req, params: b });
        expect(sameKey).toBe(sameParams);
        if (sameParams) {
          collisions++;
          expect(a).toEqual(b);
        }
      }),
      { numRuns: RUNS.injective, seed: SEED },
    );
    // The generator must also produce equal pairs, or the "same params → same key" side is untested.
    expect(collisions).toBeGreaterThan(0);
  });
});
