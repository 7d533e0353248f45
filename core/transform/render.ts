import type { OutputInfo } from 'sharp';
import { CONTENT_TYPES, MAX_OUTPUT_DIMENSION, type FocalPoint, type OutputFormat, type VariantParams } from '../contract/index.ts';
import type { RenderContext, RenderPlan } from './context.ts';
import { readHeader } from './inspect.ts';
import { openSource } from './open.ts';
import { RENDER_STEPS } from './pipeline.ts';
import { planRender } from './plan.ts';
import { sharpCall } from './sharp-errors.ts';

export interface RenderedImage {
  readonly body: Buffer;
  readonly contentType: string;
  readonly format: OutputFormat;
  /** Output width. */
  readonly width: number;
  /** Output height; for an animation, of one frame. */
  readonly height: number;
}

/**
 * Renders one variant of an original, cover crops around its focal point when it has one
 * (focus.ts). Throws ImgedgeError subclasses for bad input (400 params, 413 bytes, 415 type,
 * 422 pixels/frames/corrupt) and never crashes the process; anything else is an internal error.
 */
export async function renderVariant(source: Buffer, params: VariantParams, focus?: FocalPoint): Promise<RenderedImage> {
  // 1. Refuse from the header: size, real type, pixels and frames. Nothing decoded yet.
  const header = await readHeader(source);
  // 2. Decide once: output format, animation, the box to fit, where to crop.
  const plan = planRender(header, params, focus);
  // 3. Build the one libvips pipeline, step by step.
  const ctx: RenderContext = { source: header.info, params, plan, image: openSource(source, plan) };
  for (const step of RENDER_STEPS) step(ctx);
  // 4. Decode, transform and encode in a single pass.
  const { data, info } = await sharpCall(() => ctx.image.toBuffer({ resolveWithObject: true }));
  return toRendered(data, info, plan);
}

function toRendered(body: Buffer, info: OutputInfo, plan: RenderPlan): RenderedImage {
  const width = info.width;
  const height = info.pageHeight ?? info.height;
  // The box is clamped in planRender; a bigger output is a bug of ours, not the client's.
  if (width > MAX_OUTPUT_DIMENSION || height > MAX_OUTPUT_DIMENSION) {
    throw new Error(`rendered ${width}×${height}, above MAX_OUTPUT_DIMENSION ${MAX_OUTPUT_DIMENSION}`);
  }
  return { body, contentType: CONTENT_TYPES[plan.format], format: plan.format, width, height };
}
