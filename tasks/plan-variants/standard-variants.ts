import {
  canonicalUri,
  negotiateFormat,
  parseImageRequest,
  variantKey,
  type ImageRequest,
  type OutputFormat,
} from '../../edge/contract/index.ts';

/**
 * The widths pre-rendered on upload: thumbnail, phone, laptop and full-HD
 * layouts. Each snaps up to the tenant's ladder like a viewer's `w` does, so
 * every planned variant is one a request can hit.
 * (A contract constant: move to edge/contract/limits.ts.)
 */
export const STANDARD_WIDTHS: readonly number[] = [256, 640, 1080, 1920];

export type PlannedVariant = Pick<ImageRequest, 'tenant' | 'path' | 'params'>;

/**
 * STANDARD_WIDTHS × (avif, webp, and what a client accepting neither gets:
 * jpeg, or png for png/gif sources) at the default quality, deduped. Each is
 * parsed by the contract from the query a viewer would send, so its params are
 * exactly the canonical ones the edge looks up.
 */
export function standardVariants(original: Pick<ImageRequest, 'tenant' | 'path' | 'source'>, ladder: readonly number[]): PlannedVariant[] {
  const uri = canonicalUri(original);
  const formats: OutputFormat[] = ['avif', 'webp', negotiateFormat('', original.source)];
  const planned = new Map<string, PlannedVariant>();
  for (const width of STANDARD_WIDTHS) {
    for (const fmt of formats) {
      const parsed = parseImageRequest(uri, [['fmt', fmt], ['w', String(width)]], { ladder });
      if (!parsed.ok) throw new Error(`${uri}?fmt=${fmt}&w=${width} does not parse: ${parsed.reason}`);
      const { tenant, path, params } = parsed.request;
      planned.set(variantKey(parsed.request), { tenant, path, params });
    }
  }
  return [...planned.values()];
}
