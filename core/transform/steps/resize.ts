import type { Step } from '../context.ts';

/**
 * Fits the image into the plan's box, never enlarging it. Given to libvips
 * together with the decode, so JPEG is shrunk by 2/4/8 in the DCT and WebP at
 * load time instead of being decoded in full first. Animated images are
 * resized frame by frame (sharp resizes to the page height).
 */
export const resize: Step = (ctx) => {
  const { width, height, fit } = ctx.plan.box;
  ctx.image.resize({ width, height, fit, position: 'centre', withoutEnlargement: true });
};
