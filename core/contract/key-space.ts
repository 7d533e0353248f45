/**
 * How many variants one original can have under a tenant's policy: every distinct canonical
 * query a viewer's request can be normalized to (image-request.ts), so the bound on its cache
 * keys, its renders and its variant objects, at one generation. Anonymous clients can ask for
 * any of these and nothing else; MAX_KEYS_PER_ORIGINAL bounds them for every tenant.
 */
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';
import { DEFAULT_FIT, FITS, heightAt, keysBackground, type Fit, type TenantPolicy, type VariantParams } from './image-request.ts';
import { DEFAULT_BACKGROUND, DEFAULT_LADDER, DEFAULT_QUALITY, QUALITY_STEPS } from './limits.ts';

/** Every variant params a request can be normalized to under `policy`, each once. */
export function variantSpace(policy: TenantPolicy): VariantParams[] {
  const ladder = policy.ladder === undefined ? DEFAULT_LADDER : policy.ladder;
  const qualities = policy.qualities === undefined ? QUALITY_STEPS : policy.qualities;
  const fits = policy.fits === undefined ? FITS : policy.fits;
  const space: VariantParams[] = [];
  const widths = (<Array<number | undefined>>[undefined]).concat(ladder);
  for (let i = 0; i < widths.length; i++) {
    const w = widths[i];
    const heights = keptHeights(w, ladder, policy);
    for (let j = 0; j < heights.length; j++) {
      const h = heights[j];
      // A fit is kept only with both sides (image-request.ts): one shape otherwise.
      const shapes = w === undefined || h === undefined ? [DEFAULT_FIT] : fits;
      for (let n = 0; n < shapes.length; n++) {
        for (let k = 0; k < OUTPUT_FORMATS.length; k++) {
          const fmt = OUTPUT_FORMATS[k] as OutputFormat;
          const steps = fmt === 'png' ? [DEFAULT_QUALITY] : qualities;
          for (let m = 0; m < steps.length; m++) space.push(params(fmt, steps[m] as number, w, h, shapes[n] as Fit, policy));
        }
      }
    }
  }
  return space;
}

/** How many variants one original can have under `policy` (variantSpace's size). */
export const keysPerOriginal = (policy: TenantPolicy): number => variantSpace(policy).length;

/** The heights a variant of width `w` (undefined: none asked) can keep, absent first, each once. */
function keptHeights(w: number | undefined, ladder: readonly number[], policy: TenantPolicy): Array<number | undefined> {
  const ratios = policy.ratios;
  const heights: Array<number | undefined> = [undefined];
  if (ratios !== undefined && ratios.length === 0) return heights;
  if (ratios === undefined || w === undefined) return heights.concat(ladder);
  for (let i = 0; i < ratios.length; i++) {
    const height = heightAt(w, ratios[i] as readonly [number, number]);
    if (heights.indexOf(height) < 0) heights.push(height);
  }
  return heights;
}

function params(fmt: OutputFormat, q: number, w: number | undefined, h: number | undefined, fit: Fit, policy: TenantPolicy): VariantParams {
  const out: { fmt: OutputFormat; q: number; w?: number; h?: number; fit?: Exclude<Fit, 'inside'>; bg?: string } = { fmt: fmt, q: q };
  if (w !== undefined) out.w = w;
  if (h !== undefined) out.h = h;
  if (fit !== 'inside') out.fit = fit;
  // The tenant's one background: it adds no key, only names the JPEG contain's padding.
  if (keysBackground(fit, fmt)) out.bg = policy.background === undefined ? DEFAULT_BACKGROUND : policy.background;
  return out;
}
