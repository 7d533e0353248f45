/**
 * Reading keys back: the inverses of `originalKey` and `variantKey`, for the
 * tasks that start from a stored key (takedown, re-upload) instead of a URL.
 */
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import {
  canonicalQuery,
  canonicalUri,
  keyToUri,
  originalKey,
  parseImageRequest,
  type ImageRequest,
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
 * Exactly the last segment variantKey writes: `[w{w}_][h{h}_]q{q}.{fmt}`. Values are
 * not range-checked against today's limits: a variant rendered under older limits
 * must still be found when its original is taken down.
 */
const VARIANT_NAME = new RegExp(`^(?:w${NUMBER}_)?(?:h${NUMBER}_)?q${NUMBER}\\.(${OUTPUT_FORMATS.join('|')})$`);

/**
 * The params of `objectKey` when it is a variant of the original `key`
 * (`key/` + a name of the variant shape), else undefined: a nested original's
 * variants (`a.jpg/b.jpg/w640_q75.webp` under `a.jpg`) and odd names are not its variants.
 */
export function parseVariantName(key: string, objectKey: string): VariantParams | undefined {
  const prefix = `${key}/`;
  if (!objectKey.startsWith(prefix)) return undefined;
  const match = VARIANT_NAME.exec(objectKey.slice(prefix.length));
  if (!match) return undefined;
  const [, w, h, q, fmt] = match;
  const params: { fmt: OutputFormat; q: number; w?: number; h?: number } = { fmt: fmt as OutputFormat, q: Number(q) };
  if (w !== undefined) params.w = Number(w);
  if (h !== undefined) params.h = Number(h);
  return params;
}

/**
 * The URI and query the viewer function rewrites a request for this variant to:
 * the CloudFront cache key, so exactly the path an invalidation of it must name.
 */
export function variantUri(request: Pick<ImageRequest, 'tenant' | 'path' | 'params'>): string {
  return `${canonicalUri(request)}?${canonicalQuery(request.params)}`;
}
