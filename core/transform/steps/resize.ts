import type { Step } from '../context.ts';

/** A contain's padding where the format has alpha: transparent. JPEG pads with the plan's background. */
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

/**
 * Fits the image into the plan's box (`inside`) or makes it exactly the box (cover crops at the
 * centre, contain pads, fill stretches); never enlarging it, which for the exact fits the plan's
 * box already ensures. Given to libvips together with the decode, so JPEG is shrunk by 2/4/8 in
 * the DCT and WebP at load time instead of being decoded in full first. Animated images are
 * resized frame by frame (sharp resizes to the page height).
 */
export const resize: Step = (ctx) => {
  const { width, height, fit } = ctx.plan.box;
  const background = ctx.plan.format === 'jpeg' ? ctx.plan.background : TRANSPARENT;
  ctx.image.resize({ width, height, fit, position: 'centre', background, withoutEnlargement: fit === 'inside' });
};
