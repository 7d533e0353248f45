/**
 * The ways to render a variant that table 1 compares, each as
 * `(source, width, format) → bytes`. Both sharp approaches run libvips the same
 * way (core/transform/runtime.ts settings), so the difference is the pipeline.
 */
import sharp from 'sharp';
import { DEFAULT_QUALITY, MAX_OUTPUT_DIMENSION, type OutputFormat } from '../../core/index.ts';
import { renderVariant } from '../../core/transform/index.ts';
import { ENCODERS } from '../../core/transform/encoders.ts';
import type { RenderPlan } from '../../core/transform/context.ts';

export type Render = (source: Buffer, width: number, format: OutputFormat) => Promise<Buffer>;

/** This project's transformer: header checks, shrink-on-load, one libvips pass. */
export const imgedge: Render = async (source, w, fmt) => (await renderVariant(source, { w, fmt, q: DEFAULT_QUALITY })).body;

/**
 * What most image Lambdas do: decode the whole original to pixels, then
 * resize and encode those. No shrink-on-load, the full image in memory. Same
 * encoders and settings as ours, so only the pipeline differs.
 */
export const naiveSharp: Render = async (source, width, format) => {
  const decoded = await sharp(source).rotate().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h, channels } = decoded.info;
  const resized = sharp(decoded.data, { raw: { width: w, height: h, channels } }).resize({ width, withoutEnlargement: true });
  const plan: RenderPlan = { format, quality: DEFAULT_QUALITY, animated: false, palette: false, box: { width, height: MAX_OUTPUT_DIMENSION, fit: 'inside' }, background: '#ffffff', crop: 'centre' };
  return ENCODERS[format](resized, plan).toBuffer();
};

export const APPROACHES = { imgedge, 'naive sharp': naiveSharp } as const;
export type ApproachName = keyof typeof APPROACHES;
