/**
 * Making one variant: the edge on a miss and the render task both go through
 * here, so a variant's bytes and headers do not depend on which path made it.
 */
import { BROWSER_MAX_AGE_SECONDS, CONTENT_TYPES, EDGE_MAX_AGE_SECONDS, FOCUS_METADATA, STALE_IF_ERROR_SECONDS, originalKey, parseFocalPoint, variantKey, type FocalPoint, type ImageRequest, type VariantParams } from '../contract/index.ts';
import { NotFound } from '../errors.ts';
import type { ObjectStore, StoredObject } from '../storage/object-store.ts';
import type { OriginalsReader } from '../storage/originals-reader.ts';
import { isGeneration, type VersionCheck } from '../storage/original-version.ts';
import { MAX_SOURCE_BYTES } from './limits.ts';
import type { RenderedImage } from './render.ts';

/**
 * A variant's URL serves new bytes when its original is replaced (the edge's cache key moves
 * with the generation, docs/design.md "Freshness"), so nothing downstream may keep it for long:
 * the edge a day at most (s-maxage, capped by the cache policy's maximum TTL), browsers and
 * proxies BROWSER_MAX_AGE_SECONDS, then they ask again; the edge answers an expired copy
 * while the origin fails for STALE_IF_ERROR_SECONDS at most.
 */
export const VARIANT_CACHE_CONTROL = `public, s-maxage=${EDGE_MAX_AGE_SECONDS}, max-age=${BROWSER_MAX_AGE_SECONDS}, stale-if-error=${STALE_IF_ERROR_SECONDS}`;

/** renderVariant, or a wrapper around it (the local stack counts renders). */
export type Renderer = (source: Buffer, params: VariantParams, focus?: FocalPoint) => Promise<RenderedImage>;

export type VariantRequest = Pick<ImageRequest, 'tenant' | 'path' | 'params' | 'generation'>;

export interface RenderedVariant {
  /** Its key in the variants bucket. */
  readonly key: string;
  readonly rendered: RenderedImage;
  /** The originals region the source came from. */
  readonly region: string;
  readonly fetchMs: number;
  readonly renderMs: number;
}

/**
 * Reads the original from the nearest replica that has it and renders the variant, around the
 * original's focal point when its metadata names one (focus.ts); NotFound when
 * no replica has it. A variant of a generation is rendered only from that generation's upload,
 * and `version` (the render task's: the upload it renders) narrows it further: a replica that
 * still has an earlier upload is passed over (core/storage/original-version.ts).
 */
export async function renderFromOriginals(
  originals: OriginalsReader,
  render: Renderer,
  image: VariantRequest,
  version?: VersionCheck,
): Promise<RenderedVariant> {
  const start = performance.now();
  const key = originalKey(image);
  const original = await originals.read(key, MAX_SOURCE_BYTES, version ?? (image.generation === undefined ? undefined : isGeneration(key, image.generation)));
  if (!original) throw new NotFound('no such image');
  const fetched = performance.now();
  // A malformed focal point (written to S3 without the upload API's check) is none: the crop finds the subject itself.
  const rendered = await render(original.body, image.params, parseFocalPoint(original.metadata?.[FOCUS_METADATA]));
  return { key: variantKey(image), rendered, region: original.region, fetchMs: fetched - start, renderMs: performance.now() - fetched };
}

/**
 * Whether a stored variant object may be served as it is: CloudFront serves the variants bucket's
 * bytes and type unchecked, so an empty object, or one without its format's type, must never be
 * stored, and one found is as good as missing.
 */
export function isServableVariant(object: Pick<StoredObject, 'body' | 'contentType'>, format: RenderedImage['format']): boolean {
  return object.body.length > 0 && object.contentType === CONTENT_TYPES[format];
}

/** Conditional put: the first stored render of a variant stays, whichever path made it. */
export async function storeVariant(variants: ObjectStore, variant: RenderedVariant): Promise<'created' | 'exists'> {
  if (variant.rendered.body.length === 0) throw new Error(`refusing to store ${variant.key}: an empty render is not a variant`);
  return variants.putIfAbsent(variant.key, variant.rendered.body, {
    contentType: CONTENT_TYPES[variant.rendered.format],
    cacheControl: VARIANT_CACHE_CONTROL,
  });
}
