import type { Step } from '../context.ts';

/** JPEG has no alpha: transparent pixels become this colour rather than black. */
export const JPEG_BACKGROUND = '#ffffff';

/** JPEG output only: composites any transparency onto white. PNG, WebP and AVIF keep their alpha. */
export const flatten: Step = (ctx) => {
  if (ctx.plan.format !== 'jpeg') return;
  ctx.image.flatten({ background: JPEG_BACKGROUND });
};
