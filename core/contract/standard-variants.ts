import { negotiateFormat, type OutputFormat } from './formats.ts';
import { canonicalUri, parseImageRequest, variantKey, type ImageRequest, type TenantPolicy } from './image-request.ts';
import { STANDARD_WIDTHS } from './limits.ts';

export type PlannedVariant = Pick<ImageRequest, 'tenant' | 'path' | 'params'>;

/**
 * STANDARD_WIDTHS × (avif, webp, and what a client accepting neither gets:
 * jpeg, or png for png/gif sources) at the default quality, under the tenant's
 * policy (its ladder and qualities), deduped. Each is parsed by the contract
 * from the query a viewer would send, so its params are exactly the canonical
 * ones the edge looks up.
 */
export function standardVariants(original: Pick<ImageRequest, 'tenant' | 'path' | 'source'>, policy: TenantPolicy): PlannedVariant[] {
  const uri = canonicalUri(original);
  const formats: OutputFormat[] = ['avif', 'webp', negotiateFormat('', original.source)];
  const planned: PlannedVariant[] = [];
  const seen: Record<string, true> = {};
  // Index loops, no Map: the contract is written in the viewer function's ES5 subset.
  for (let i = 0; i < STANDARD_WIDTHS.length; i++) {
    const width = String(STANDARD_WIDTHS[i]);
    for (let j = 0; j < formats.length; j++) {
      const fmt = formats[j] as OutputFormat;
      const parsed = parseImageRequest(uri, [['fmt', fmt], ['w', width]], policy);
      if (!parsed.ok) throw new Error(`${uri}?fmt=${fmt}&w=${width} does not parse: ${parsed.reason}`);
      const key = variantKey(parsed.request);
      if (seen[key]) continue;
      seen[key] = true;
      planned.push({ tenant: parsed.request.tenant, path: parsed.request.path, params: parsed.request.params });
    }
  }
  return planned;
}
