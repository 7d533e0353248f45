import sharp, { type FailOnOptions, type Sharp } from 'sharp';
import { MAX_ANIMATION_PIXELS, MAX_RENDER_SECONDS, MAX_SOURCE_PIXELS } from './limits.ts';
import type { RenderPlan } from './context.ts';
import './runtime.ts';

/**
 * When libvips gives up on bad pixel data: 'error'. It rejects truncated files
 * (a JPEG cut mid-scan fails instead of rendering grey bands) and decoder
 * errors, but tolerates warnings such as "extraneous bytes before marker",
 * which many real camera JPEGs carry and which the stricter 'warning' (sharp's
 * default) would refuse. Source: sharp constructor docs, `failOn`.
 */
export const FAIL_ON: FailOnOptions = 'error';

/**
 * The pipeline's input: the original with its limits, which frames to read and
 * the deadline. The pixel limit is the second lock behind inspectSource: for an
 * animation libvips sees all frames stacked as one tall image, so it gets the
 * all-frames limit. Non-animated renders read the first frame only.
 */
export function openSource(source: Buffer, plan: RenderPlan): Sharp {
  const frames = plan.animated ? { animated: true } : { page: 0, pages: 1 };
  return sharp(source, {
    failOn: FAIL_ON,
    limitInputPixels: plan.animated ? MAX_ANIMATION_PIXELS : MAX_SOURCE_PIXELS,
    sequentialRead: true,
    ...frames,
  }).timeout({ seconds: MAX_RENDER_SECONDS });
}
