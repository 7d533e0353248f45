/**
 * The ways to render a variant that table 1 compares, each as
 * `(source, width, format) → bytes`. Both sharp approaches run libvips the same
 * way (edge/transform/runtime.ts settings), so the difference is the pipeline.
 */
import sharp from 'sharp';
import type { OutputFormat } from '../../edge/contract/index.ts';
import { DEFAULT_QUALITY } from '../../edge/contract/limits.ts';
import { renderVariant } from '../../edge/transform/index.ts';

export type Render = (source: Buffer, width: number, format: OutputFormat) => Promise<Buffer>;

/** This project's transformer: header checks, shrink-on-load, one libvips pass. */
export const imgedge: Render = async (source, w, fmt) => (await renderVariant(source, { w, fmt, q: DEFAULT_QUALITY })).body;

/**
 * What most image Lambdas do: decode the whole original to pixels, then
 * resize and encode those. No shrink-on-load, the full image in memory.
 */
export const naiveSharp: Render = async (source, width, format) => {
  const decoded = await sharp(source).rotate().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h, channels } = decoded.info;
  return sharp(decoded.data, { raw: { width: w, height: h, channels } })
    .resize({ width, withoutEnlargement: true })
    .toFormat(format === 'avif' ? 'heif' : format, { quality: DEFAULT_QUALITY, ...(format === 'avif' && { compression: 'av1' }) })
    .toBuffer();
};

export const APPROACHES = { imgedge, 'naive sharp': naiveSharp } as const;
export type ApproachName = keyof typeof APPROACHES;
