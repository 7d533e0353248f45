/**
 * Reading keys back: the inverses of `originalKey` and `variantKey`, for the
 * tasks that start from a stored key (takedown, re-upload) instead of a URL.
 */
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import {
  BACKGROUND_PARAM,
  cacheKeyQuery,
  FITS,
  canonicalUri,
  GENERATION_PARAM,
  keyToUri,
  NUMBER_PARAMS,
  VARIANT_NAME_ORDER,
  originalKey,
  parseImageRequest,
  queryPairs,
  type ImageRequest,
  type Fit,
  type ParseResult,
  type VariantParams,
} from './image-request.ts';
import { MAX_NUMBER_DIGITS } from './limits.ts';

/** The tenant and path of an original key, or undefined when the contract would not accept it as one. */
export function parseOriginalKey(key: string): Pick<ImageRequest, 'tenant' | 'path'> | undefined {
  let uri: string;
  try {
    uri = keyToUri(key);
  } catch {
    return undefined; // a lone surrogate has no URI form
  }
  const parsed = parseImageRequest(uri, []);
  if (!parsed.ok) return undefined;
  const request = { tenant: parsed.request.tenant, path: parsed.request.path };
  return originalKey(request) === key ? request : undefined;
}

/**
 * Exactly the last segment variantKey writes (`[w{w}_][h{h}_][{fit}_][bg{rrggbb}_]q{q}[_v{token}].{fmt}`),
 * from VARIANT_NAME_ORDER: optional params are each `name{n}_`, then how the box is filled, then
 * the required ones, joined by `_`, then the generation. Values are not range-checked against
 * today's limits: a variant rendered under older limits must still be found when its original is taken down.
 */
function variantNamePattern(): RegExp {
  // Built on first use, not at load: the viewer function bundles this module and never reads a key back.
  const NUMBER = `([1-9][0-9]{0,${MAX_NUMBER_DIGITS - 1}})`;
  variantName ??= new RegExp(
    `^${VARIANT_NAME_ORDER.filter((param) => param.optional).map((param) => `(?:${param.name}${NUMBER}_)?`).join('')}` +
      `(?:(${FITS.filter((fit) => fit !== 'inside').join('|')})_)?(?:${BACKGROUND_PARAM}([0-9a-f]{6})_)?` +
      `${VARIANT_NAME_ORDER.filter((param) => !param.optional).map((param) => `${param.name}${NUMBER}`).join('_')}` +
      `(?:_${GENERATION_PARAM}([0-9a-z]{8}))?\\.(${OUTPUT_FORMATS.join('|')})$`,
  );
  return variantName;
}
let variantName: RegExp | undefined;

/** A variant object's name read back: its params, and the generation it was rendered for (none: the original's first). */
export interface VariantName {
  readonly params: VariantParams;
  readonly generation?: string;
}

/**
 * The name of `objectKey` when it is a variant of the original `key`
 * (`key/` + a name of the variant shape), else undefined: a nested original's
 * variants (`a.jpg/b.jpg/w640_q75.webp` under `a.jpg`) and odd names are not its variants.
 */
export function parseVariantName(key: string, objectKey: string): VariantName | undefined {
  const prefix = `${key}/`;
  if (!objectKey.startsWith(prefix)) return undefined;
  const match = variantNamePattern().exec(objectKey.slice(prefix.length));
  if (!match) return undefined;
  // Groups: the optional numbers, fit, bg, the required numbers, the generation, the format.
  const optional = VARIANT_NAME_ORDER.filter((param) => param.optional).length;
  const group = (param: (typeof VARIANT_NAME_ORDER)[number]) => {
    const at = VARIANT_NAME_ORDER.indexOf(param);
    return match[at < optional ? at + 1 : at + 3];
  };
  const params: Record<string, unknown> = { fmt: match[VARIANT_NAME_ORDER.length + 4] as OutputFormat };
  // Listed in NUMBER_PARAMS' order, as the parser lists a request's: fmt, q, w, h, then fit and bg.
  NUMBER_PARAMS.forEach((param) => {
    const value = group(param);
    if (value !== undefined) params[param.name] = Number(value);
  });
  const fit = match[optional + 1] as Exclude<Fit, 'inside'> | undefined;
  const bg = match[optional + 2];
  if (fit !== undefined) params.fit = fit;
  if (bg !== undefined) params.bg = bg;
  const generation = match[VARIANT_NAME_ORDER.length + 3];
  return { params: params as unknown as VariantParams, ...(generation !== undefined && { generation }) };
}

/**
 * The original, params and generation of a variant key (the inverse of variantKey), or
 * undefined when the key is not one the contract would write.
 */
export function parseVariantKey(objectKey: string): Pick<ImageRequest, 'tenant' | 'path' | 'params' | 'generation'> | undefined {
  const slash = objectKey.lastIndexOf('/');
  const key = objectKey.slice(0, slash);
  const original = slash > 0 ? parseOriginalKey(key) : undefined;
  const name = original ? parseVariantName(key, objectKey) : undefined;
  return original && name ? { tenant: original.tenant, path: original.path, ...name } : undefined;
}

/**
 * A variant as the edge parses it: its canonical URI and query through the
 * contract, for what starts from a variant instead of a URL (the render task,
 * the render origin after a rewrite).
 */
export function parseVariant(variant: Pick<ImageRequest, 'tenant' | 'path' | 'params' | 'generation'>): ParseResult {
  return parseImageRequest(canonicalUri(variant), queryPairs(cacheKeyQuery(variant)));
}

/**
 * The URI and query the viewer function rewrites a request for this variant to:
 * the CloudFront cache key, so exactly the path an invalidation of it must name.
 */
export function variantUri(request: Pick<ImageRequest, 'tenant' | 'path' | 'params' | 'generation'>): string {
  return `${canonicalUri(request)}?${cacheKeyQuery(request)}`;
}
