import { BadRequest } from '../errors.ts';
import { MAX_OUTPUT_DIMENSION, OUTPUT_FORMATS, QUALITY_STEPS, type OutputFormat, type VariantParams } from '../contract/index.ts';
import type { RenderPlan } from './context.ts';
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
export function planRender(header: SourceHeader, params: VariantParams): RenderPlan {
  checkParams(params);
  const { info } = header;
  return {
    format: params.fmt,
    quality: params.q,
    animated: info.pages > 1 && ANIMATED_SOURCES.includes(info.format) && ANIMATED_OUTPUTS.includes(params.fmt),
    palette: header.palette,
    box: fitBox(params),
  };
}

/**
 * Both sides given: fill the box exactly (cover, centre crop). One side: fit
 * inside it, the other side bounded only by MAX_OUTPUT_DIMENSION. Neither: the
 * original size, still never above MAX_OUTPUT_DIMENSION. Enlargement is never
 * done (resize step), so a box bigger than the source keeps the source size.
 */
function fitBox(params: VariantParams): RenderPlan['box'] {
  const width = Math.min(params.w ?? MAX_OUTPUT_DIMENSION, MAX_OUTPUT_DIMENSION);
  const height = Math.min(params.h ?? MAX_OUTPUT_DIMENSION, MAX_OUTPUT_DIMENSION);
  const fit = params.w !== undefined && params.h !== undefined ? 'cover' : 'inside';
  return { width, height, fit };
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
}
