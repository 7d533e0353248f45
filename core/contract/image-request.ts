import {
  DEFAULT_BACKGROUND,
  DEFAULT_QUALITY,
  DPR_STEPS,
  MAX_NUMBER_DIGITS,
  MAX_ORIGINAL_KEY_LENGTH,
  MAX_OUTPUT_DIMENSION,
  MAX_QUERY_LENGTH,
  MAX_QUERY_PARAMS,
  MAX_URI_LENGTH,
  QUALITY_STEPS,
} from './limits.ts';
import {
  FORMAT_ALIASES,
  isSourceExtension,
  SOURCE_EXTENSIONS,
  negotiateFormat,
  type OutputFormat,
  type SourceExtension,
} from './formats.ts';

export interface NumberParam {
  readonly name: 'w' | 'h' | 'q';
  /** The most a request may ask for; more is clamped to it. */
  readonly max: number;
  readonly optional: boolean;
}

/**
 * The numeric variant params, in the order a request's are checked (the first
 * bad one is the 400's reason) and a variant's params are listed. With `fmt`
 * they are the one definition of a variant's grammar: the allowlist, the cache
 * key's query, the variant key and its inverse (object-keys.ts), the tasks'
 * input schema and the console's form all derive from it.
 */
export const NUMBER_PARAMS: readonly NumberParam[] = [
  { name: 'q', max: 100, optional: false },
  { name: 'w', max: MAX_OUTPUT_DIMENSION, optional: true },
  { name: 'h', max: MAX_OUTPUT_DIMENSION, optional: true },
];

/** The order the variant key names them (`w640_h480_q75`): the optional ones, then the required, joined by `_`. */
export const VARIANT_NAME_ORDER: readonly NumberParam[] = /* @__PURE__ */ optionalFirst(NUMBER_PARAMS);

function optionalFirst(params: readonly NumberParam[]): readonly NumberParam[] {
  return params.filter((param) => param.optional).concat(params.filter((param) => !param.optional));
}

/**
 * How w×h is filled when both are given: `inside` fits within the box (the default; one side
 * only is always inside), `cover` crops to exactly the box, `contain` pads to exactly the box
 * (transparent where the format has alpha, the tenant's background where not), `fill` stretches.
 */
export const FITS = ['inside', 'cover', 'contain', 'fill'] as const;
export type Fit = (typeof FITS)[number];
export const DEFAULT_FIT: Fit = 'inside';
export const FIT_PARAM = 'fit';
export const BAD_FIT = `fit must be one of ${FITS.join(', ')}`;

/** The only query parameters a viewer's request is read for, sorted; everything else is dropped. */
export const ALLOWED_PARAMS: readonly string[] = [FIT_PARAM, 'fmt'].concat(NUMBER_PARAMS.map((param) => param.name)).sort();

/**
 * The padding colour of a JPEG `contain` (`ffffff`), in the cache key and the variant's name but
 * never read from a viewer: the viewer function sets the tenant's (TenantPolicy.background), as it
 * sets the generation, so a tenant's new colour is a new variant. Only where it changes the bytes.
 */
export const BACKGROUND_PARAM = 'bg';
const BACKGROUND = /^[0-9a-f]{6}$/;
export const isBackground = (colour: string): boolean => BACKGROUND.test(colour);
/** Whether a variant names the background: a contain (its padding) in a format without alpha. */
export const keysBackground = (fit: Fit | undefined, fmt: OutputFormat): boolean => fit === 'contain' && fmt === 'jpeg';

/** The params of a variant's canonical query, sorted: the allowlisted ones and the tenant's background. */
const VARIANT_QUERY_PARAMS: readonly string[] = /* @__PURE__ */ ALLOWED_PARAMS.concat(BACKGROUND_PARAM).sort();

/** Read, and folded into w and h (DPR_STEPS), but never in the cache key; a token covers it. */
export const DPR_PARAM = 'dpr';
const DPR = /^[0-9]{1,2}(\.[0-9]{1,3})?$/;
export const BAD_DPR = `dpr must be a number such as 2 or 1.5 (it snaps up to ${DPR_STEPS.join(', ')})`;

/**
 * The cache key's parameter that carries an original's generation token (freshness.ts).
 * The viewer function sets it from the KeyValueStore, whatever a viewer sent; the origin
 * reads it back, and it names the variant object, so a replaced original's variants are
 * new objects as well as new cache entries.
 */
export const GENERATION_PARAM = 'v';
const GENERATION_TOKEN = /^[0-9a-z]{8}$/;
export const isGenerationToken = (token: string): boolean => GENERATION_TOKEN.test(token);

/** What the cache policy keys on besides the URI: the canonical params and the generation. */
export const CACHE_KEY_PARAMS: readonly string[] = /* @__PURE__ */ withGenerationParam(VARIANT_QUERY_PARAMS);

function withGenerationParam(params: readonly string[]): readonly string[] {
  return params.concat(GENERATION_PARAM).sort();
}

/** The reasons a request's extension or fmt is refused, listing what the contract takes. */
export const UNKNOWN_EXTENSION = `unknown extension: expected ${SOURCE_EXTENSIONS.slice(0, -1).join(', ')} or ${SOURCE_EXTENSIONS[SOURCE_EXTENSIONS.length - 1]}`;
export const UNKNOWN_FORMAT = `fmt must be one of ${Object.keys(FORMAT_ALIASES).join(', ')}`;

export interface VariantParams {
  readonly fmt: OutputFormat;
  readonly q: number;
  readonly w?: number;
  readonly h?: number;
  /** Only with both w and h, and never `inside` (the default): a fit that changes nothing is not a second key. */
  readonly fit?: Exclude<Fit, 'inside'>;
  /** Only with fit `contain` and a format without alpha (JPEG): the padding colour (BACKGROUND_PARAM). */
  readonly bg?: string;
}

/** The params before negotiation and snapping (requestedParams): `fmt` may still be `auto`. */
export interface RequestedParams {
  readonly fmt: OutputFormat | 'auto';
  readonly q: number;
  readonly w?: number;
  readonly h?: number;
  /** Absent when the request named none or `inside`. */
  readonly fit?: Exclude<Fit, 'inside'>;
  /** Snapped to DPR_STEPS; absent when the request named none. */
  readonly dpr?: number;
}

export interface ImageRequest {
  readonly tenant: string;
  /** Decoded path below the tenant, extension included: `photos/cat.jpg`. */
  readonly path: string;
  readonly source: SourceExtension;
  readonly params: VariantParams;
  /** The original's generation token when it was replaced or taken down within the freshness window. */
  readonly generation?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly request: ImageRequest }
  | { readonly ok: false; readonly reason: string };

/** Query parameters in arrival order, names and values still percent-encoded. */
export type QueryPairs = ReadonlyArray<readonly [name: string, value: string]>;

/** An aspect ratio `W:H` as its two terms. */
export type AspectRatio = readonly [width: number, height: number];

/**
 * What a tenant allows in a variant (kvs.ts `tenantPolicy` reads it from the tenant's config).
 * All omitted at the origin, where values arrive already snapped.
 */
export interface TenantPolicy {
  /** Rungs w and h snap up to. */
  readonly ladder?: readonly number[];
  /** Steps q snaps up to, a subset of QUALITY_STEPS; QUALITY_STEPS when omitted. */
  readonly qualities?: readonly number[];
  /**
   * When set, a request with w and h gets the height of the ratio nearest its w:h at the snapped
   * width (h alone still snaps to the ladder); `[]` drops h. Omitted: h snaps as w does.
   */
  readonly ratios?: readonly AspectRatio[];
  /** The fits a request may name, `inside` always among them; all of FITS when omitted. */
  readonly fits?: readonly Fit[];
  /**
   * A JPEG `contain`'s padding (`rrggbb`). The viewer function always sets it, so a viewer's `bg`
   * is ignored; omitted at the origin, which reads it back from the canonical query.
   */
  readonly background?: string;
}

export interface ParseOptions extends TenantPolicy {
  /** Client Accept header, consulted only for fmt=auto. */
  readonly accept?: string;
}

// A literal, not built from MAX_TENANT_LENGTH: the viewer function is counted in bytes (image-request.test.ts takes one at MAX_TENANT_LENGTH and refuses one past it).
const TENANT = /^[a-z0-9-]{1,32}$/;

/** Whether `name` may be a tenant: `[a-z0-9-]{1,32}`. */
export const isTenantName = (name: string): boolean => TENANT.test(name);
/** Path segment characters after decoding: ASCII word characters, a few punctuation marks, and any non-ASCII letter. */
const SEGMENT = /^[A-Za-z0-9 _.,~()@+\-\u00a0-\uffff]+$/;
const DIGITS = /^[0-9]+$/;

const fail = (reason: string): ParseResult => ({ ok: false, reason });

/** Splits a raw query string (`a=1&b=2`) into pairs, without decoding. */
export function queryPairs(query: string): QueryPairs {
  if (query === '') return [];
  return query.split('&').map((part): readonly [string, string] => {
    const eq = part.indexOf('=');
    return eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
  });
}

/**
 * Parses `/{tenant}/{path}.{ext}` and its query into a canonical ImageRequest,
 * or a one-line reason for a 400. Never throws.
 */
export function parseImageRequest(uri: string, query: QueryPairs, options?: ParseOptions): ParseResult {
  if (uri.length > MAX_URI_LENGTH) return fail('URI too long');
  const slash = uri.indexOf('/', 1);
  if (uri.charAt(0) !== '/' || slash < 0) return fail('expected /{tenant}/{path}.{ext}');
  const tenant = uri.slice(1, slash);
  if (!isTenantName(tenant)) return fail('bad tenant: expected [a-z0-9-]{1,32}');

  let path: string;
  try {
    path = decodeURIComponent(uri.slice(slash + 1));
  } catch {
    return fail('malformed percent-encoding in path');
  }
  const pathError = checkPath(path);
  if (pathError) return fail(pathError);
  if (utf8Length(tenant) + 1 + utf8Length(path) > MAX_ORIGINAL_KEY_LENGTH) return fail('path too long');
  // The canonical URI must be buildable: a lone surrogate has no UTF-8 form (encodeURIComponent throws).
  try {
    canonicalUri({ tenant, path });
  } catch {
    return fail('malformed unicode in path');
  }
  const dot = path.lastIndexOf('.');
  const source = dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
  if (!isSourceExtension(source)) return fail(UNKNOWN_EXTENSION);

  // Not a default argument: cloudfront-js-2.0 (the viewer function) has none.
  const params = parseParams(query, source, options === undefined ? {} : options);
  if (typeof params === 'string') return fail(params);
  return { ok: true, request: atGeneration({ tenant, path, source, params }, generationOf(query)) };
}

/** A well-formed `v` of the query, else undefined (from a viewer it is junk: the viewer function sets its own). */
function generationOf(query: QueryPairs): string | undefined {
  for (let i = 0; i < query.length; i++) {
    const pair = query[i] as readonly [string, string];
    if (pair[0] === GENERATION_PARAM && isGenerationToken(pair[1])) return pair[1];
  }
  return undefined;
}

/** The request at generation `token`, or at none. */
export function atGeneration(request: ImageRequest, token: string | undefined): ImageRequest {
  const out: { tenant: string; path: string; source: SourceExtension; params: VariantParams; generation?: string } = {
    tenant: request.tenant,
    path: request.path,
    source: request.source,
    params: request.params,
  };
  if (token !== undefined) out.generation = token;
  return out;
}

function checkPath(path: string): string | undefined {
  if (path.indexOf('\\') >= 0) return 'backslash in path';
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'control character in path';
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment === '') return 'empty path segment';
    if (segment.charAt(0) === '.') return 'path segment starts with a dot';
    if (!SEGMENT.test(segment)) return 'unsupported character in path';
  }
  return undefined;
}

/**
 * The allowlisted params as the viewer wrote them, before fmt=auto meets the
 * client's Accept and w/h snap to a ladder: names and order no longer matter,
 * junk is gone, values are clamped. What a signed request's token covers
 * (signing.ts), so one token opens its variant for every client. Never throws.
 */
export function requestedParams(query: QueryPairs): RequestedParams | string {
  if (query.length > MAX_QUERY_PARAMS) return 'too many query parameters';
  // The raw query's length: each `name=value`, plus one `&` fewer than there are pairs.
  let length = -1;
  const seen: Record<string, string> = {};
  for (let i = 0; i < query.length; i++) {
    // Indexing, not destructuring: cloudfront-js-2.0 (the viewer function) has no destructuring.
    const pair = query[i] as readonly [string, string];
    const name = pair[0];
    const value = pair[1];
    length += name.length + value.length + 2;
    if (ALLOWED_PARAMS.indexOf(name) < 0 && name !== DPR_PARAM) continue;
    if (seen[name] !== undefined) return `duplicate parameter ${name}`;
    seen[name] = value;
  }
  if (length > MAX_QUERY_LENGTH) return 'query string too long';

  const fmtName = seen.fmt === undefined ? 'auto' : seen.fmt.toLowerCase();
  // Own keys only: `constructor` or `__proto__` must not find Object.prototype's.
  const fmt = Object.prototype.hasOwnProperty.call(FORMAT_ALIASES, fmtName) ? FORMAT_ALIASES[fmtName] : undefined;
  if (fmt === undefined) return UNKNOWN_FORMAT;

  const numbers: { w?: number; h?: number; q?: number } = {};
  for (let i = 0; i < NUMBER_PARAMS.length; i++) {
    const param = NUMBER_PARAMS[i] as NumberParam;
    const value = readNumber(seen[param.name], param.name, param.max);
    if (typeof value === 'string') return value;
    // An absent w or h stays undefined, which canonicalQuery and parseParams read as absent.
    numbers[param.name] = value;
  }
  const requested: { fmt: OutputFormat | 'auto'; q: number; w?: number; h?: number; fit?: Exclude<Fit, 'inside'>; dpr?: number } = { fmt, q: numbers.q === undefined ? DEFAULT_QUALITY : numbers.q, w: numbers.w, h: numbers.h };
  const fit = seen[FIT_PARAM] === undefined ? DEFAULT_FIT : seen[FIT_PARAM].toLowerCase();
  if ((FITS as readonly string[]).indexOf(fit) < 0) return BAD_FIT;
  if (fit !== DEFAULT_FIT) requested.fit = fit as Exclude<Fit, 'inside'>;
  const dpr = seen[DPR_PARAM];
  if (dpr !== undefined) {
    if (!DPR.test(dpr) || Number(dpr) === 0) return BAD_DPR;
    requested.dpr = snapUp(Number(dpr), DPR_STEPS);
  }
  return requested;
}

/** A requested size at the request's device pixel ratio, never past MAX_OUTPUT_DIMENSION. */
function atDpr(size: number | undefined, dpr: number | undefined): number | undefined {
  if (size === undefined || dpr === undefined) return size;
  const scaled = Math.ceil(size * dpr);
  return scaled > MAX_OUTPUT_DIMENSION ? MAX_OUTPUT_DIMENSION : scaled;
}

/** The requested params as a token covers them: the canonical query's, and the dpr asked for. */
export function requestedQuery(requested: RequestedParams): string {
  const query = canonicalQuery(requested);
  if (requested.dpr === undefined) return query;
  // `dpr` sorts before every name a requested query holds (`bg`, which sorts before it, is never asked).
  return query === '' ? `${DPR_PARAM}=${requested.dpr}` : `${DPR_PARAM}=${requested.dpr}&${query}`;
}

function parseParams(query: QueryPairs, source: SourceExtension, options: ParseOptions): VariantParams | string {
  const asked = requestedParams(query);
  if (typeof asked === 'string') return asked;
  if (asked.fit !== undefined && options.fits !== undefined && options.fits.indexOf(asked.fit) < 0) {
    return `fit=${asked.fit} is not allowed for this tenant: it allows ${options.fits.join(', ')}`;
  }
  const requested = { fmt: asked.fmt, q: asked.q, w: atDpr(asked.w, asked.dpr), h: atDpr(asked.h, asked.dpr) };
  const w = requested.w;
  const h = requested.h;
  const format = requested.fmt === 'auto' ? negotiateFormat(options.accept ?? '', source) : requested.fmt;
  const params: { fmt: OutputFormat; q: number; w?: number; h?: number; fit?: Exclude<Fit, 'inside'>; bg?: string } = {
    fmt: format,
    // PNG output is lossless: q would only split one image across several cache keys.
    q: format === 'png' ? DEFAULT_QUALITY : snapUp(requested.q, options.qualities === undefined ? QUALITY_STEPS : options.qualities),
  };
  if (w !== undefined) params.w = options.ladder ? snapUp(w, options.ladder) : w;
  if (h !== undefined) {
    const height = keptHeight(requested, params.w, options);
    if (height !== undefined) params.h = height;
  }
  if (asked.fit !== undefined && params.w !== undefined && params.h !== undefined) {
    params.fit = asked.fit;
    if (keysBackground(asked.fit, format)) params.bg = backgroundOf(query, options);
  }
  return params;
}

/** The tenant's background, or at the origin the canonical query's (DEFAULT_BACKGROUND when it has none). */
function backgroundOf(query: QueryPairs, options: ParseOptions): string {
  if (options.background !== undefined) return options.background;
  for (let i = 0; i < query.length; i++) {
    const pair = query[i] as readonly [string, string];
    if (pair[0] === BACKGROUND_PARAM && isBackground(pair[1])) return pair[1];
  }
  return DEFAULT_BACKGROUND;
}

/** The height a variant keeps of a requested h: on the ladder, or held to the tenant's ratios (TenantPolicy.ratios), or none. */
function keptHeight(requested: RequestedParams, snappedWidth: number | undefined, options: ParseOptions): number | undefined {
  const h = requested.h as number;
  const ratios = options.ratios;
  if (ratios !== undefined && ratios.length === 0) return undefined;
  const w = requested.w;
  if (ratios === undefined || w === undefined) return options.ladder ? snapUp(h, options.ladder) : h;
  const width = snappedWidth as number;
  // On a rung already, a height one of the ratios gives there keeps that ratio: a canonical query
  // parses to itself (rounding may put a tiny one nearer another ratio). A w that snapped does not:
  // its h belongs to the w asked for.
  for (let i = 0; w === width && i < ratios.length; i++) {
    if (heightAt(width, ratios[i] as AspectRatio) === h) return h;
  }
  return heightAt(width, nearestRatio(w, h, ratios));
}

/** The height of `ratio` at `width`, within 1..MAX_OUTPUT_DIMENSION. */
export function heightAt(width: number, ratio: AspectRatio): number {
  const height = Math.round((width * ratio[1]) / ratio[0]);
  return height < 1 ? 1 : height > MAX_OUTPUT_DIMENSION ? MAX_OUTPUT_DIMENSION : height;
}

/**
 * The ratio nearest w:h by how many times the larger exceeds the smaller, the first listed on a
 * tie. Integer products only (≤ 4096 × 32 each), so every engine picks the same one.
 */
function nearestRatio(w: number, h: number, ratios: readonly AspectRatio[]): AspectRatio {
  let best = ratios[0] as AspectRatio;
  let bestLarger = 0;
  let bestSmaller = 1;
  for (let i = 0; i < ratios.length; i++) {
    const ratio = ratios[i] as AspectRatio;
    const a = w * ratio[1];
    const b = h * ratio[0];
    const larger = a > b ? a : b;
    const smaller = a > b ? b : a;
    if (i === 0 || larger * bestSmaller < bestLarger * smaller) {
      best = ratio;
      bestLarger = larger;
      bestSmaller = smaller;
    }
  }
  return best;
}

/** A positive integer clamped to `max`; undefined when absent; a reason string when malformed. */
function readNumber(raw: string | undefined, name: string, max: number): number | undefined | string {
  if (raw === undefined) return undefined;
  if (!DIGITS.test(raw)) return `${name} must be a positive integer`;
  const digits = raw.replace(/^0+(?=[0-9])/, ''); // leading zeros carry no value: 0000000 is still zero
  const n = digits.length > MAX_NUMBER_DIGITS ? max : Number(digits);
  if (n === 0) return `${name} must be a positive integer`;
  return n > max ? max : n;
}

/** UTF-8 byte length: S3 and KeyValueStore keys are limited in bytes. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one 4-byte code point: 2 bytes per half.
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

/** The first rung at or above `value`, or the top rung. */
export function snapUp(value: number, rungs: readonly number[]): number {
  for (let i = 0; i < rungs.length; i++) {
    if ((rungs[i] as number) >= value) return rungs[i] as number;
  }
  return rungs[rungs.length - 1] as number;
}

/** `fmt=webp&h=480&q=75&w=640`: the variant's params, sorted by name. The cache key's query part (and a token's, requested). */
export function canonicalQuery(params: VariantParams | RequestedParams): string {
  const values = params as unknown as Readonly<Record<string, string | number | undefined>>;
  const out: string[] = [];
  for (let i = 0; i < VARIANT_QUERY_PARAMS.length; i++) {
    const name = VARIANT_QUERY_PARAMS[i] as string;
    if (values[name] !== undefined) out.push(`${name}=${values[name]}`);
  }
  return out.join('&');
}

/** The cache key's query: the canonical params, then the generation when there is one. */
export function cacheKeyQuery(request: Pick<ImageRequest, 'params' | 'generation'>): string {
  const query = canonicalQuery(request.params);
  return request.generation === undefined ? query : `${query}&${GENERATION_PARAM}=${request.generation}`;
}

/** A key as a URI path, each segment percent-encoded one way only. */
export function keyToUri(key: string): string {
  return `/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The request path re-encoded one way only, so equal requests share one cache key. */
export function canonicalUri(request: Pick<ImageRequest, 'tenant' | 'path'>): string {
  return keyToUri(originalKey(request));
}

/** The original's key, identical in all three originals buckets. */
export function originalKey(request: Pick<ImageRequest, 'tenant' | 'path'>): string {
  return `${request.tenant}/${request.path}`;
}

/**
 * The variant's key in the variants bucket: below its original's key, so one prefix holds
 * all of them, and named after its generation too (`w640_h480_cover_q75_vk3j2x9m4.webp`), so a
 * render of an earlier upload can never land where the current one is served from.
 */
export function variantKey(request: Pick<ImageRequest, 'tenant' | 'path' | 'params' | 'generation'>): string {
  const params = request.params;
  // `[w{w}_][h{h}_][{fit}_][bg{rrggbb}_]q{q}`: the sizes, how they are filled, then the quality.
  const parts = nameParts(params, true);
  if (params.fit !== undefined) parts.push(params.fit);
  if (params.bg !== undefined) parts.push(BACKGROUND_PARAM + params.bg);
  const named = parts.concat(nameParts(params, false));
  if (request.generation !== undefined) named.push(GENERATION_PARAM + request.generation);
  return `${originalKey(request)}/${named.join('_')}.${params.fmt}`;
}

/** `w640`, `h480`, `q75` for the variant's optional (or required) number params, in VARIANT_NAME_ORDER. */
function nameParts(params: VariantParams, optional: boolean): string[] {
  const parts: string[] = [];
  for (let i = 0; i < VARIANT_NAME_ORDER.length; i++) {
    const param = VARIANT_NAME_ORDER[i] as NumberParam;
    if (param.optional === optional && params[param.name] !== undefined) parts.push(param.name + params[param.name]);
  }
  return parts;
}
