import { BadRequest } from '../errors.ts';
import { DEFAULT_BACKGROUND, MAX_OUTPUT_DIMENSION, OUTPUT_FORMATS, QUALITY_STEPS, type FocalPoint, type OutputFormat, type VariantParams } from '../contract/index.ts';
import type { RenderPlan, SourceInfo } from './context.ts';
import type { SourceHeader } from './inspect.ts';
import type { SourceFormat } from './sniff.ts';

/** Sources whose frames can be an animation. A multi-page TIFF is a document: its first page is rendered. */
const ANIMATED_SOURCES: readonly SourceFormat[] = ['gif', 'webp'];

/**
 * Outputs that keep an animation. Only WebP: sharp 0.35.5 writes a multi-frame
 * image to AVIF as one tall still (all frames stacked; measured: 10 frames of
 * 200×154 → a 200×1540 AVIF with 1 page), and libvips has no APNG writer. So
 * AVIF, PNG and JPEG outputs of an animation show its first frame.
 */
const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['webp'];

/**
 * The variant's decisions, from the original's header and the request.
 * The contract already clamps and validates params; this re-checks, because a
 * render task could be handed params that never went through the parser.
 */
export function planRender(header: SourceHeader, params: VariantParams, focus?: FocalPoint): RenderPlan {
  checkParams(params);
  const { info } = header;
  const animated = info.pages > 1 && ANIMATED_SOURCES.includes(info.format) && ANIMATED_OUTPUTS.includes(params.fmt);
  return {
    format: params.fmt,
    quality: params.q,
    animated,
    palette: header.palette,
    box: fitBox(params, info),
    background: `#${params.bg ?? DEFAULT_BACKGROUND}`,
    // libvips crops an animation's frames at a fixed position only.
    crop: params.fit !== 'cover' || animated ? 'centre' : (focus ?? 'attention'),
  };
}

/**
 * `inside` (one side, none, or both without a fit): fit within the box, an absent side bounded
 * only by MAX_OUTPUT_DIMENSION, never enlarged (resize step). `cover`, `contain`, `fill`: exactly
 * the box; when that would enlarge the source, the box keeps its aspect ratio at the source's
 * size instead: the largest that fits in the source for cover and fill (nothing is scaled up),
 * the smallest that holds the source for contain (only padding is added).
 */
function fitBox(params: VariantParams, source: Pick<SourceInfo, 'width' | 'height'>): RenderPlan['box'] {
  const width = Math.min(params.w ?? MAX_OUTPUT_DIMENSION, MAX_OUTPUT_DIMENSION);
  const height = Math.min(params.h ?? MAX_OUTPUT_DIMENSION, MAX_OUTPUT_DIMENSION);
  const fit = params.fit;
  if (fit === undefined) return { width, height, fit: 'inside' };
  const across = source.width / width;
  const down = source.height / height;
  const scale = Math.min(1, fit === 'contain' ? Math.max(across, down) : Math.min(across, down));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), fit };
}

function checkParams(params: VariantParams): void {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(params.fmt)) {
    throw new BadRequest(`fmt must be one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  if (!QUALITY_STEPS.includes(params.q)) {
    throw new BadRequest(`q must be one of ${QUALITY_STEPS.join(', ')}`);
  }
  for (const [name, value] of [['w', params.w], ['h', params.h]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new BadRequest(`${name} must be a positive integer`);
    }
  }
  if (params.fit !== undefined && (params.w === undefined || params.h === undefined)) {
    throw new BadRequest(`fit=${params.fit} needs both w and h`);
  }
}
