/**
 * Encoder settings, chosen for the Lambda@Edge latency budget and for
 * determinism (same input + params → the same bytes: no encoder here uses
 * randomness or wall-clock input; AVIF additionally depends on the pinned
 * libvips concurrency, see runtime.ts).
 *
 * Measured with sharp 0.35.5 on 2 cores, sharp's 2725×2225 test photo →
 * 1080 px wide, q75: mozjpeg 94 ms, WebP effort 4 124 ms, AVIF effort 2
 * 4:2:0 278 ms with one libvips thread (235 ms with two). The rule: the most
 * effort that keeps a 1080 px variant of a ~6 MP photo around 300 ms on one
 * thread.
 */
import type { AvifOptions, JpegOptions, PngOptions, Sharp, WebpOptions } from 'sharp';
import type { OutputFormat } from '../contract/index.ts';
import type { RenderPlan } from './context.ts';

type LossyFormat = Exclude<OutputFormat, 'png'>;

/**
 * Codec quality for each contract q step (QUALITY_STEPS), per format: one row
 * per step. JPEG is the reference scale. WebP and AVIF numbers were matched to
 * the JPEG (mozjpeg) row by PSNR on sharp's 2725×2225 test photo at 640 px:
 * AVIF reaches the same error at much lower numbers. PSNR under-rates AVIF's
 * smoothing, so if anything these err on the side of quality.
 * PNG is lossless and ignores q.
 */
export const CODEC_QUALITY: Readonly<Record<number, Readonly<Record<LossyFormat, number>>>> = {
  //    jpeg      webp      avif
  40: { jpeg: 40, webp: 30, avif: 37 },
  60: { jpeg: 60, webp: 45, avif: 45 },
  75: { jpeg: 75, webp: 68, avif: 54 },
  85: { jpeg: 85, webp: 80, avif: 64 },
  95: { jpeg: 95, webp: 92, avif: 86 },
};

/**
 * mozjpeg on (trellis quantisation, optimised progressive scans, its own
 * quantisation tables): 20–25% smaller than libjpeg-turbo defaults at the
 * same q for ~35 ms more at 1080 px (57 → 89 ms). Progressive comes with it.
 * Chroma stays 4:2:0 (sharp's default) for photos.
 */
const JPEG: JpegOptions = { mozjpeg: true };

/**
 * libwebp's default method 4: ~35% slower than effort 2 (103 vs 65 ms at
 * 1080 px) for ~5% fewer bytes, still far under the AVIF cost. Animation loop
 * count and frame delays are carried over by sharp.
 */
const WEBP: WebpOptions = { effort: 4 };

/**
 * effort 2 with 4:2:0 chroma. sharp's default effort 4 took 0.8–2 s at
 * 1080 px (docs/libraries.md also measured 105–201 ms at only 300 px); effort 3 was
 * 1.5–1.7× slower than 2 for ~5% fewer bytes. 4:2:0 (sharp defaults to 4:4:4)
 * is ~15% faster and smaller, as JPEG and WebP subsample too. 8-bit output.
 */
const AVIF: AvifOptions = { effort: 2, chromaSubsampling: '4:2:0', bitdepth: 8 };

/**
 * Lossless. A palette-based source (GIF, indexed PNG) is quantised back to a
 * palette of at most 256 colours (libimagequant), which keeps flat graphics
 * small after resizing adds in-between colours; other sources stay truecolour.
 * zlib level 6 (default): 9 costs time for a few percent.
 */
const PNG_TRUECOLOUR: PngOptions = { compressionLevel: 6 };
const PNG_PALETTE: PngOptions = { compressionLevel: 6, palette: true, colours: 256 };

/** Sets the output format and its options on the pipeline. */
export const ENCODERS: Readonly<Record<OutputFormat, (image: Sharp, plan: RenderPlan) => Sharp>> = {
  jpeg: (image, plan) => image.jpeg({ ...JPEG, quality: codecQuality('jpeg', plan.quality) }),
  webp: (image, plan) => image.webp({ ...WEBP, quality: codecQuality('webp', plan.quality) }),
  avif: (image, plan) => image.avif({ ...AVIF, quality: codecQuality('avif', plan.quality) }),
  png: (image, plan) => image.png(plan.palette ? PNG_PALETTE : PNG_TRUECOLOUR),
};

export function codecQuality(format: LossyFormat, q: number): number {
  const row = CODEC_QUALITY[q];
  if (row === undefined) throw new Error(`no codec quality for q=${q}`);
  return row[format];
}
