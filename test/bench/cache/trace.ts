/**
 * A seeded synthetic request trace for the cache-effectiveness benchmark
 * (issue 6, table 4): what viewers send to the distribution, before the
 * viewer function has touched it.
 *
 * Each request: an original drawn by Zipf popularity; a template (one of its
 * tenant's page placements, or an ad-hoc client) that decides how w, h, fmt
 * and q are spelled; a device that decides the width; a browser's Accept;
 * perhaps tracking junk or a malformed w; and an edge location.
 *
 * Everything derives from one seed. Parts of a request draw from their own
 * PRNG streams, so changing junkRate or malformedRate leaves the rest of every
 * request as it was: traces that differ only in junk compare request by request.
 */

/** A uniform draw in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): 32 bits of state, passes
 * PractRand to 2^32 outputs, which is far more than a 1M-request trace draws
 * per stream. Chosen over Math.random (unseedable) and fast-check (whose
 * generators are built for shrinking, not for a million cheap draws).
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of independent stream `stream` of `seed` (golden-ratio spacing, then mixed once by mulberry32). */
function streamRng(seed: number, stream: number): Rng {
  return mulberry32(mulberry32((seed + Math.imul(stream, 0x9e3779b9)) >>> 0)() * 4294967296);
}

/** Draws an index in [0, weights.length) with probability proportional to its weight. */
export function indexSampler(weights: ArrayLike<number>): (rng: Rng) => number {
  const cdf = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i] as number;
    cdf[i] = total;
  }
  return (rng) => {
    const u = rng() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Zipf(s) over ranks 0..n-1: rank k is drawn with probability ∝ 1/(k+1)^s. */
export function zipfSampler(n: number, s: number): (rng: Rng) => number {
  return indexSampler(Array.from({ length: n }, (_, k) => 1 / Math.pow(k + 1, s)));
}

type Weighted<T> = ReadonlyArray<readonly [value: T, weight: number]>;

function weighted<T>(entries: Weighted<T>): (rng: Rng) => T {
  const pick = indexSampler(entries.map((entry) => entry[1]));
  return (rng) => (entries[pick(rng)] as readonly [T, number])[0];
}

function uniform<T>(values: readonly T[], rng: Rng): T {
  return values[Math.floor(rng() * values.length)] as T;
}

// ---------------------------------------------------------------------------
// The population. Shares are rounded from public 2024–25 browser and screen
// statistics (StatCounter-like); they only need to be plausible, not exact.

/** Accept headers browsers send for <img>, and how often. */
export const ACCEPT_HEADERS = {
  chromium: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari16: 'image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari14: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  oldSafari: 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  bot: '*/*',
  none: '',
} as const;

const pickAccept = weighted<string>([
  [ACCEPT_HEADERS.chromium, 64], // Chrome, Edge, Samsung Internet, Opera
  [ACCEPT_HEADERS.firefox, 5],
  [ACCEPT_HEADERS.safari16, 19], // Safari 16+ (AVIF)
  [ACCEPT_HEADERS.safari14, 3], // Safari 14–15: WebP, no AVIF
  [ACCEPT_HEADERS.oldSafari, 1], // neither
  [ACCEPT_HEADERS.bot, 6], // crawlers, link unfurlers, curl
  [ACCEPT_HEADERS.none, 2], // native apps and scripts that send no Accept
]);

type DprTable = Weighted<number>;
const PHONE_DPR: DprTable = [[2, 45], [3, 45], [2.625, 10]];
const TABLET_DPR: DprTable = [[2, 1]];
const DESKTOP_DPR: DprTable = [[1, 55], [1.25, 15], [1.5, 10], [2, 20]];

/** Viewport CSS widths (phones ≈ 57%, tablets 5%, desktops 38%) with their DPR mix. */
const pickViewport = weighted<{ css: number; dpr: (rng: Rng) => number }>(
  (
    [
      [320, 1, PHONE_DPR], [360, 14, PHONE_DPR], [375, 7, PHONE_DPR], [390, 12, PHONE_DPR], [393, 6, PHONE_DPR],
      [412, 8, PHONE_DPR], [414, 5, PHONE_DPR], [430, 4, PHONE_DPR],
      [768, 2, TABLET_DPR], [810, 1, TABLET_DPR], [1024, 2, TABLET_DPR],
      [1280, 5, DESKTOP_DPR], [1366, 7, DESKTOP_DPR], [1440, 5, DESKTOP_DPR], [1536, 7, DESKTOP_DPR],
      [1920, 12, DESKTOP_DPR], [2560, 2, DESKTOP_DPR],
    ] as const
  ).map(([css, weight, dprs]) => [{ css, dpr: weighted(dprs) }, weight] as const),
);

/** Fraction of the viewport an image slot takes: hero, two columns, three-column grid. */
const pickSlot = weighted<number>([[1, 45], [0.5, 30], [1 / 3, 25]]);

/**
 * How a template asks for a width. `srcset`: the browser picks the smallest of
 * the site's candidates that covers slot × DPR. `computed`: script sends
 * round(clientWidth × devicePixelRatio), where clientWidth has lost 0–32 px
 * of padding or scrollbar, so almost any integer turns up. `fixed`: a
 * hard-coded thumbnail width. `none`: the original's size.
 */
type WidthStyle = 'srcset' | 'computed' | 'fixed' | 'none';
const pickWidthStyle = weighted<WidthStyle>([['srcset', 45], ['computed', 35], ['fixed', 15], ['none', 5]]);

/** Crops (square, 4:3, 16:9) send h as well as w. */
const pickAspect = weighted<number | undefined>([[undefined, 90], [1, 4], [0.75, 3], [0.5625, 3]]);

/** How a client spells fmt and q, and in which order it writes the parameters. */
interface Loader {
  /** undefined: absent (the contract's default is auto). */
  readonly fmt: string | undefined;
  readonly q: string | undefined;
  readonly reversed: boolean;
}

/** Ad-hoc clients spell fmt and q any way; the parameter order is theirs too. */
const pickFmt = weighted<string | undefined>([
  [undefined, 50], ['auto', 10], ['webp', 16], ['avif', 6], ['jpeg', 8], ['jpg', 6], ['png', 4],
]);
const SITE_QUALITIES = [60, 75, 80, 85, 90];

function drawLoader(rng: Rng): Loader {
  const qDraw = rng();
  return {
    fmt: pickFmt(rng),
    // Mostly the default; some pick a usual q, a few compute any q.
    q: qDraw < 0.7 ? undefined : qDraw < 0.95 ? String(uniform(SITE_QUALITIES, rng)) : String(1 + Math.floor(rng() * 100)),
    reversed: rng() < 0.3,
  };
}

const NEXTJS_SRCSET = [16, 32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840];

interface TenantProfile {
  readonly name: string;
  /** Share of the catalog. */
  readonly share: number;
  /** The site's image loader: one function builds every image URL its pages emit. */
  readonly loader: Loader;
  readonly srcset: readonly number[];
  readonly thumbnails: readonly number[];
}

/** Tenants on the default ladder, whose front ends between them spell fmt and q every common way. */
const TENANTS: readonly TenantProfile[] = [
  {
    name: 'demo', share: 10, // Next.js default loader: w and q, fmt left to negotiation
    loader: { fmt: undefined, q: '75', reversed: false },
    srcset: NEXTJS_SRCSET, thumbnails: [64, 128, 256],
  },
  {
    name: 'shop', share: 40, // WordPress CDN plugin: fmt=auto first, WordPress's sizes
    loader: { fmt: 'auto', q: undefined, reversed: true },
    srcset: [150, 300, 768, 1024, 1536, 2048], thumbnails: [100, 150, 300],
  },
  {
    name: 'news', share: 30, // hand-written loader: w only
    loader: { fmt: undefined, q: undefined, reversed: false },
    srcset: [320, 480, 640, 960, 1280, 1920], thumbnails: [120, 240, 480],
  },
  {
    name: 'travel', share: 20, // legacy CMS: always JPEG at q=85
    loader: { fmt: 'jpg', q: '85', reversed: false },
    srcset: NEXTJS_SRCSET, thumbnails: [200, 400, 600],
  },
];
const pickSourceExtension = weighted<string>([['jpg', 75], ['jpeg', 5], ['png', 12], ['webp', 6], ['gif', 2]]);
const pickFolder = weighted<string>([['products', 4], ['articles', 3], ['gallery', 2], ['banners', 1]]);

/**
 * One place a page shows an image (product hero, grid card, thumbnail…): it
 * fixes how the width is chosen and the crop; the tenant's loader fixes fmt,
 * q and order. Per request only the device (width) and Accept vary.
 */
interface Template extends Loader {
  readonly widthStyle: WidthStyle;
  readonly slot: number;
  readonly thumbnail: number;
  readonly aspect: number | undefined;
}

/** Templates per tenant, drawn with Zipf(1) weights: the first is the main placement. */
const TEMPLATES_PER_TENANT = 6;

function drawTemplate(tenant: TenantProfile, loader: Loader, rng: Rng): Template {
  return {
    ...loader,
    widthStyle: pickWidthStyle(rng),
    slot: pickSlot(rng),
    thumbnail: uniform(tenant.thumbnails, rng),
    aspect: pickAspect(rng),
  };
}

interface Tenant extends TenantProfile {
  readonly pickTemplate: (rng: Rng) => Template;
}

/** Malformed values buggy front ends send (each is a 400 under the contract). */
const MALFORMED_WIDTHS = ['NaN', 'undefined', '412.5', '', '-1'];

// Junk that marketing links, trackers and cache-busting scripts append.
const UTM_SOURCES = ['newsletter', 'facebook', 'twitter', 'google', 'instagram', 'partner'];
const UTM_MEDIA = ['email', 'social', 'cpc', 'referral'];
type JunkKind = 'utm' | 'fbclid' | 'gclid' | 'session' | 'cacheBuster';
const pickJunkKind = weighted<JunkKind>([['utm', 45], ['fbclid', 20], ['gclid', 10], ['session', 15], ['cacheBuster', 10]]);

// ---------------------------------------------------------------------------

export interface TraceOptions {
  readonly seed: number;
  readonly requests: number;
  /** Originals in the catalog, across all tenants. */
  readonly originals: number;
  /** Zipf exponent of original popularity. */
  readonly zipf: number;
  /** Edge locations (POPs) the traffic lands on. */
  readonly pops: number;
  /** Zipf exponent of traffic across POPs (a few metros carry most of it). */
  readonly popZipf: number;
  /** Share of requests carrying utm_*, click ids, session ids or cache-busters. */
  readonly junkRate: number;
  /** Share of requests with a malformed w (NaN, decimals, empty). */
  readonly malformedRate: number;
  /**
   * Share of requests not built by the tenant's own pages: native apps, mail
   * clients, embeds, hand-written links. Each spells fmt, q, h and the order
   * its own way, drawn per request. 1 makes every request ad hoc.
   */
  readonly adHocRate: number;
}

/**
 * The benchmark's defaults. A catalog of 20k originals under 1M requests is a
 * mid-size site over roughly a day; s = 1.0 is the classic web-object Zipf
 * (Breslau et al. 1999 measured 0.64–0.83 for whole proxies, single-site image
 * traffic is steeper). 30 POPs with s = 1 put ~25% of traffic on the busiest.
 * 30% junk is typical of sites with marketing traffic (every shared link carries utm_*).
 * 10% ad hoc: what reaches an image CDN besides the sites' own pages.
 */
export const DEFAULT_TRACE_OPTIONS: TraceOptions = {
  seed: 42,
  requests: 1_000_000,
  originals: 20_000,
  zipf: 1.0,
  pops: 30,
  popZipf: 1.0,
  junkRate: 0.3,
  malformedRate: 0.003,
  adHocRate: 0.1,
};

/** One viewer request, as CloudFront receives it. */
export interface TraceRequest {
  /** Edge location index, 0 = busiest. */
  readonly pop: number;
  /** `/{tenant}/{path}.{ext}`, already percent-encoded. */
  readonly uri: string;
  /** The query string exactly as sent, without `?`; may be empty. */
  readonly query: string;
  readonly accept: string;
}

/** A trace that can be iterated any number of times, yielding the same requests each time. */
export interface Trace extends Iterable<TraceRequest> {
  readonly options: TraceOptions;
}

/** One PRNG stream per independent part of a request. */
const STREAM = { catalog: 1, popularity: 2, pop: 3, viewer: 4, template: 5, adHoc: 6, junk: 7, malformed: 8 } as const;

/** A trace with DEFAULT_TRACE_OPTIONS where `overrides` leaves an option out (or undefined). */
export function generateTrace(overrides: Partial<TraceOptions> = {}): Trace {
  const given = Object.entries(overrides).filter((entry) => entry[1] !== undefined);
  const options: TraceOptions = { ...DEFAULT_TRACE_OPTIONS, ...Object.fromEntries(given) };
  return {
    options,
    [Symbol.iterator]: () => requests(options),
  };
}

function* requests(options: TraceOptions): Generator<TraceRequest> {
  const catalog = buildCatalog(options);
  const popularity = streamRng(options.seed, STREAM.popularity);
  const popRng = streamRng(options.seed, STREAM.pop);
  const viewer = streamRng(options.seed, STREAM.viewer);
  const templateRng = streamRng(options.seed, STREAM.template);
  const adHoc = streamRng(options.seed, STREAM.adHoc);
  const junk = streamRng(options.seed, STREAM.junk);
  const malformed = streamRng(options.seed, STREAM.malformed);
  const pickOriginal = zipfSampler(catalog.length, options.zipf);
  const pickPop = zipfSampler(options.pops, options.popZipf);

  for (let i = 0; i < options.requests; i++) {
    const original = catalog[pickOriginal(popularity)] as Original;
    const pop = pickPop(popRng);
    const accept = pickAccept(viewer);
    const template =
      adHoc() < options.adHocRate ? drawTemplate(original.tenant, drawLoader(adHoc), adHoc) : original.tenant.pickTemplate(templateRng);
    const pairs = variantParams(original.tenant, template, viewer);
    if (malformed() < options.malformedRate) setParam(pairs, 'w', uniform(MALFORMED_WIDTHS, malformed));
    if (junk() < options.junkRate) pairs.push(...junkParams(junk));
    yield { pop, uri: original.uri, query: pairs.map(([name, value]) => `${name}=${value}`).join('&'), accept };
  }
}

interface Original {
  readonly tenant: Tenant;
  readonly uri: string;
}

function buildCatalog(options: TraceOptions): Original[] {
  const rng = streamRng(options.seed, STREAM.catalog);
  const tenants = TENANTS.map((profile): Tenant => {
    const templates = Array.from({ length: TEMPLATES_PER_TENANT }, () => drawTemplate(profile, profile.loader, rng));
    const pick = zipfSampler(templates.length, 1);
    return { ...profile, pickTemplate: (r) => templates[pick(r)] as Template };
  });
  const pickTenant = weighted<Tenant>(tenants.map((tenant) => [tenant, tenant.share] as const));
  return Array.from({ length: options.originals }, (_, i) => {
    const tenant = pickTenant(rng);
    return { tenant, uri: `/${tenant.name}/${pickFolder(rng)}/img-${i}.${pickSourceExtension(rng)}` };
  });
}

type Pair = [name: string, value: string];

function variantParams(tenant: TenantProfile, template: Template, viewer: Rng): Pair[] {
  const pairs: Pair[] = [];
  const w = viewerWidth(tenant, template, viewer);
  if (w !== undefined) {
    pairs.push(['w', String(w)]);
    if (template.aspect !== undefined) pairs.push(['h', String(Math.max(1, Math.round(w * template.aspect)))]);
  }
  if (template.fmt !== undefined) pairs.push(['fmt', template.fmt]);
  if (template.q !== undefined) pairs.push(['q', template.q]);
  return template.reversed ? pairs.reverse() : pairs;
}

function viewerWidth(tenant: TenantProfile, template: Template, rng: Rng): number | undefined {
  switch (template.widthStyle) {
    case 'none':
      return undefined;
    case 'fixed':
      return template.thumbnail;
    case 'srcset': {
      const viewport = pickViewport(rng);
      const needed = viewport.css * template.slot * viewport.dpr(rng);
      return tenant.srcset.find((candidate) => candidate >= needed) ?? (tenant.srcset[tenant.srcset.length - 1] as number);
    }
    case 'computed': {
      const viewport = pickViewport(rng);
      const layoutLoss = Math.floor(rng() * 33);
      return Math.max(1, Math.round((viewport.css * template.slot - layoutLoss) * viewport.dpr(rng)));
    }
  }
}

function setParam(pairs: Pair[], name: string, value: string): void {
  const existing = pairs.find((pair) => pair[0] === name);
  if (existing) existing[1] = value;
  else pairs.push([name, value]);
}

function junkParams(rng: Rng): Pair[] {
  const token = () => Math.floor(rng() * 2 ** 32).toString(36) + Math.floor(rng() * 2 ** 32).toString(36);
  switch (pickJunkKind(rng)) {
    case 'utm':
      return [
        ['utm_source', uniform(UTM_SOURCES, rng)],
        ['utm_medium', uniform(UTM_MEDIA, rng)],
        ['utm_campaign', `campaign-${Math.floor(rng() * 50)}`],
      ];
    case 'fbclid':
      return [['fbclid', `IwAR${token()}`]];
    case 'gclid':
      return [['gclid', `Cj0K${token()}`]];
    case 'session':
      return [['sid', token()]];
    case 'cacheBuster':
      return [['_', String(1_735_689_600_000 + Math.floor(rng() * 86_400_000))]];
  }
}
