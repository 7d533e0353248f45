/**
 * Reading keys back: the inverses of `originalKey` and `variantKey`, for the
 * tasks that start from a stored key (takedown, re-upload) instead of a URL.
 */
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import {
  canonicalQuery,
  canonicalUri,
  keyToUri,
  NUMBER_PARAMS,
  VARIANT_NAME_ORDER,
  originalKey,
  parseImageRequest,
  queryPairs,
  type ImageRequest,
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

const NUMBER = `([1-9][0-9]{0,${MAX_NUMBER_DIGITS - 1}})`;
/**
 * Exactly the last segment variantKey writes (`[w{w}_][h{h}_]q{q}.{fmt}`), from
 * VARIANT_NAME_ORDER: optional params are each `name{n}_`, the required ones
 * follow, joined by `_`. Values are not range-checked against today's limits: a variant
 * rendered under older limits must still be found when its original is taken down.
 */
function variantNamePattern(): RegExp {
  // Built on first use, not at load: the viewer function bundles this module and never reads a key back.
  variantName ??= new RegExp(
    `^${VARIANT_NAME_ORDER.filter((param) => param.optional).map((param) => `(?:${param.name}${NUMBER}_)?`).join('')}` +
      `${VARIANT_NAME_ORDER.filter((param) => !param.optional).map((param) => `${param.name}${NUMBER}`).join('_')}` +
      `\\.(${OUTPUT_FORMATS.join('|')})$`,
  );
  return variantName;
}
let variantName: RegExp | undefined;

/**
 * The params of `objectKey` when it is a variant of the original `key`
 * (`key/` + a name of the variant shape), else undefined: a nested original's
 * variants (`a.jpg/b.jpg/w640_q75.webp` under `a.jpg`) and odd names are not its variants.
 */
export function parseVariantName(key: string, objectKey: string): VariantParams | undefined {
  const prefix = `${key}/`;
  if (!objectKey.startsWith(prefix)) return undefined;
  const match = variantNamePattern().exec(objectKey.slice(prefix.length));
  if (!match) return undefined;
  const params: Record<string, unknown> = { fmt: match[VARIANT_NAME_ORDER.length + 1] as OutputFormat };
  // Listed in NUMBER_PARAMS' order, as the parser lists a request's: fmt, q, w, h.
  NUMBER_PARAMS.forEach((param) => {
    const value = match[VARIANT_NAME_ORDER.indexOf(param) + 1];
    if (value !== undefined) params[param.name] = Number(value);
  });
  return params as unknown as VariantParams;
}

/**
 * The original and params of a variant key (the inverse of variantKey), or
 * undefined when the key is not one the contract would write.
 */
export function parseVariantKey(objectKey: string): Pick<ImageRequest, 'tenant' | 'path' | 'params'> | undefined {
  const slash = objectKey.lastIndexOf('/');
  const key = objectKey.slice(0, slash);
  const original = slash > 0 ? parseOriginalKey(key) : undefined;
  const params = original ? parseVariantName(key, objectKey) : undefined;
  return original && params ? { tenant: original.tenant, path: original.path, params: params } : undefined;
}

/**
 * A variant as the edge parses it: its canonical URI and query through the
 * contract, for what starts from a variant instead of a URL (the render task,
 * the render origin after a rewrite).
 */
export function parseVariant(variant: Pick<ImageRequest, 'tenant' | 'path' | 'params'>): ParseResult {
  return parseImageRequest(canonicalUri(variant), queryPairs(canonicalQuery(variant.params)));
}

/**
 * The URI and query the viewer function rewrites a request for this variant to:
 * the CloudFront cache key, so exactly the path an invalidation of it must name.
 */
export function variantUri(request: Pick<ImageRequest, 'tenant' | 'path' | 'params'>): string {
  return `${canonicalUri(request)}?${canonicalQuery(request.params)}`;
}
