import type { Step } from '../context.ts';

/**
 * Turns the image upright from its EXIF Orientation (1–8, mirrors included)
 * and drops the tag. Done as part of the same libvips pipeline as the resize,
 * which keeps shrink-on-load: sharp swaps the target box for 90°/270° turns.
 */
export const orient: Step = (ctx) => {
  ctx.image.autoOrient();
};
