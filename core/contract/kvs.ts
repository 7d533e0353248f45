/**
 * The CloudFront KeyValueStore layout the viewer function reads. Writers
 * (CDK seeding, the takedown workflow, the local stack) use these same
 * builders so a key is spelled in exactly one place.
 *
 * KVS limits (docs/aws-limits.md §A): key ≤ 512 chars, value ≤ 1,024 chars.
 * The takedown deny-list and the generations of replaced originals: freshness.ts (`s:{slot}`).
 */
import { DEFAULT_FIT, FITS, type AspectRatio, type Fit, type ParseOptions, type TenantPolicy } from './image-request.ts';
import { keysPerOriginal } from './key-space.ts';
import { DEFAULT_BACKGROUND, DEFAULT_LADDER, DEFAULT_QUALITY, MAX_ASPECT_RATIOS, MAX_KEYS_PER_ORIGINAL, MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION, MAX_RATIO_TERM, QUALITY_STEPS } from './limits.ts';

/** A KeyValueStore holds at most 5 MB (docs/aws-limits.md §A); read as 5,000,000 bytes, the stricter reading. */
export const MAX_KVS_BYTES = 5000000;

/** `t:{tenant}` → TenantConfig JSON. A tenant without this key does not exist (404). */
export const tenantConfigKey = (tenant: string): string => `t:${tenant}`;

/**
 * `k:{tenant}:{kid}` → the tenant's HMAC secret of that key id (signing.ts). Present
 * means the kid is valid: rotation puts a second kid, revocation deletes one.
 * Put by ops, never by deployment config (README: Sign a URL).
 */
export const signingSecretKey = (tenant: string, kid: string): string => `k:${tenant}:${kid}`;

/** `p:{Key-Pair-Id}` → the tenant that CloudFront public key signs for (key-group tenants). */
export const keyPairTenantKey = (keyPairId: string): string => `p:${keyPairId}`;

/** How a tenant's URLs must be signed; absent: they need no signature. */
export const SIGNING_MODES = ['hmac', 'key-group'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];

export interface TenantConfig {
  /** Width ladder override; rungs ascending, each 1..MAX_OUTPUT_DIMENSION. */
  readonly ladder?: readonly number[];
  /** Quality steps q snaps up to: ascending, each one of QUALITY_STEPS; all of them when absent. */
  readonly qualities?: readonly number[];
  /**
   * Aspect ratios `[W, H]` a request with w and h is held to: the one nearest what it asked, at the
   * snapped width. `[]`: h is dropped. Absent: h snaps to the ladder as w does. Configs spell them
   * `"W:H"` (aspectRatio).
   */
  readonly ratios?: readonly AspectRatio[];
  /** The fits a request with w and h may name (image-request.ts FITS), `inside` among them; all four when absent. */
  readonly fits?: readonly Fit[];
  /** `#rrggbb`: the padding of a JPEG under fit=contain, and that JPEG's background under transparency (other JPEGs flatten onto white); white when absent. */
  readonly background?: string;
  /** `hmac`: kid/exp/sig checked by the viewer function; `key-group`: CloudFront signed URLs with this tenant's Key-Pair-Id. */
  readonly signing?: SigningMode;
}

/** Validates a tenant config before it is written to the store; returns the problem or undefined. */
export function tenantConfigProblem(config: TenantConfig): string | undefined {
  if (config.signing !== undefined && (SIGNING_MODES as readonly string[]).indexOf(config.signing) < 0) return 'signing must be hmac or key-group';
  const problem =
    ladderProblem(config.ladder) || qualitiesProblem(config.qualities) || ratiosProblem(config.ratios) || fitsProblem(config.fits) || backgroundProblem(config.background);
  if (problem) return problem;
  const keys = keysPerOriginal(tenantPolicy(config));
  if (keys <= MAX_KEYS_PER_ORIGINAL) return undefined;
  return `this config allows ${keys} variants of each original, more than ${MAX_KEYS_PER_ORIGINAL}: use fewer ladder rungs, or restrict h (ratios), q (qualities) or fit (fits)`;
}

/**
 * A tenant's config as the contract applies it (ParseOptions). Writers refuse a bad config
 * (tenantConfigProblem); a bad field read back fails closed, never widening the key space past
 * MAX_KEYS_PER_ORIGINAL: a bad ladder is the default one, bad qualities the default quality alone,
 * bad ratios none (h dropped), bad fits `inside` alone, a bad background the default. Plain checks,
 * no messages: the viewer function runs it.
 */
export function tenantPolicy(config: TenantConfig | null | undefined): TenantPolicy {
  return parseOptions(config, undefined);
}

/** What the viewer function parses a request of the tenant with: its policy, and the client's Accept for fmt=auto. */
export function parseOptions(config: TenantConfig | null | undefined, accept: string | undefined): ParseOptions {
  const policy: { ladder: readonly number[]; qualities?: readonly number[]; ratios?: readonly AspectRatio[]; fits?: readonly Fit[]; background: string; accept?: string } = {
    ladder: DEFAULT_LADDER,
    background: DEFAULT_BACKGROUND,
  };
  if (accept !== undefined) policy.accept = accept;
  if (!config) return policy;
  if (isLadder(config.ladder)) policy.ladder = config.ladder as readonly number[];
  if (config.qualities !== undefined) policy.qualities = isQualityList(config.qualities) ? config.qualities : [DEFAULT_QUALITY];
  if (config.ratios !== undefined) policy.ratios = isRatioList(config.ratios) ? config.ratios : [];
  if (config.fits !== undefined) policy.fits = isFitList(config.fits) ? config.fits : [DEFAULT_FIT];
  if (config.background !== undefined && isBackgroundColour(config.background)) policy.background = config.background.slice(1).toLowerCase();
  return policy;
}

function isFitList(fits: unknown): fits is readonly Fit[] {
  if (!Array.isArray(fits) || fits.indexOf(DEFAULT_FIT) < 0) return false;
  for (let i = 0; i < fits.length; i++) {
    if ((FITS as readonly unknown[]).indexOf(fits[i]) < 0 || fits.indexOf(fits[i]) < i) return false;
  }
  return true;
}

const isBackgroundColour = (colour: unknown): colour is string => typeof colour === 'string' && /^#[0-9a-fA-F]{6}$/.test(colour);

/** A fits override's problem, or undefined (also when there is none). */
export function fitsProblem(fits: readonly Fit[] | undefined): string | undefined {
  if (fits === undefined || isFitList(fits)) return undefined;
  return `fits must name some of ${FITS.join(', ')}, each once, ${DEFAULT_FIT} among them (it is the default)`;
}

/** A background override's problem, or undefined (also when there is none). */
export function backgroundProblem(background: string | undefined): string | undefined {
  return background === undefined || isBackgroundColour(background) ? undefined : 'background must be a colour #rrggbb';
}

function isQualityList(qualities: unknown): qualities is readonly number[] {
  if (!Array.isArray(qualities) || qualities.length === 0) return false;
  for (let i = 0; i < qualities.length; i++) {
    if (QUALITY_STEPS.indexOf(qualities[i]) < 0 || (i > 0 && qualities[i] <= qualities[i - 1])) return false;
  }
  return true;
}

function isRatioList(ratios: unknown): ratios is readonly AspectRatio[] {
  if (!Array.isArray(ratios) || ratios.length > MAX_ASPECT_RATIOS) return false;
  for (let i = 0; i < ratios.length; i++) {
    const ratio = ratios[i];
    if (!Array.isArray(ratio) || ratio.length !== 2 || !isRatioTerm(ratio[0]) || !isRatioTerm(ratio[1])) return false;
  }
  return true;
}

const isRatioTerm = (term: unknown): boolean => typeof term === 'number' && term % 1 === 0 && term >= 1 && term <= MAX_RATIO_TERM;

/** A qualities override's problem, or undefined (also when there is none). */
export function qualitiesProblem(qualities: readonly number[] | undefined): string | undefined {
  if (qualities === undefined || isQualityList(qualities)) return undefined;
  return `qualities must be 1 to ${QUALITY_STEPS.length} of ${QUALITY_STEPS.join(', ')}, ascending`;
}

/** A ratios override's problem, or undefined (also when there is none). */
export function ratiosProblem(ratios: readonly AspectRatio[] | undefined): string | undefined {
  if (ratios === undefined) return undefined;
  if (!isRatioList(ratios)) return `ratios must be at most ${MAX_ASPECT_RATIOS} aspect ratios W:H, each term 1 to ${MAX_RATIO_TERM}`;
  // In lowest terms: 2:2 is 1:1, and would spend a slot on the same shape.
  const shapes = ratios.map((ratio) => {
    const divisor = gcd(ratio[0], ratio[1]);
    return `${ratio[0] / divisor}:${ratio[1] / divisor}`;
  });
  const twice = shapes.findIndex((shape, i) => shapes.indexOf(shape) < i);
  return twice < 0 ? undefined : `ratio ${ratios[twice]![0]}:${ratios[twice]![1]} has the shape of one listed before it (${shapes[twice]})`;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `"16:9"` → [16, 9]; undefined for anything else. How configs spell a ratio (`ratios`). */
export function aspectRatio(spelled: string): AspectRatio | undefined {
  const m = /^([1-9][0-9]*):([1-9][0-9]*)$/.exec(spelled);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A ladder override's problem, or undefined (also when there is none). */
export function ladderProblem(ladder: readonly number[] | undefined): string | undefined {
  if (ladder === undefined || isLadder(ladder)) return undefined;
  if (!Array.isArray(ladder) || ladder.length === 0 || ladder.length > MAX_LADDER_RUNGS) return `ladder must have 1..${MAX_LADDER_RUNGS} rungs`;
  const bad = ladder.findIndex((rung) => !isRung(rung));
  return bad >= 0 ? `ladder rung ${ladder[bad]} is outside 1..${MAX_OUTPUT_DIMENSION}` : 'ladder rungs must be strictly ascending';
}

/** 1..MAX_LADDER_RUNGS rungs, each an integer 1..MAX_OUTPUT_DIMENSION, strictly ascending. No messages: the viewer function runs it. */
function isLadder(ladder: unknown): boolean {
  if (!Array.isArray(ladder) || ladder.length === 0 || ladder.length > MAX_LADDER_RUNGS) return false;
  for (let i = 0; i < ladder.length; i++) {
    if (!isRung(ladder[i]) || (i > 0 && ladder[i] <= ladder[i - 1])) return false;
  }
  return true;
}

const isRung = (rung: unknown): boolean => Number.isInteger(rung) && (rung as number) >= 1 && (rung as number) <= MAX_OUTPUT_DIMENSION;
