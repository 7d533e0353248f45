import type { Step } from '../context.ts';

/**
 * JPEG output only: composites any transparency onto the plan's background (white, or a contain's
 * padding colour, so a transparent logo sits on one colour), rather than black. PNG, WebP and AVIF keep their alpha.
 */
export const flatten: Step = (ctx) => {
  if (ctx.plan.format !== 'jpeg') return;
  ctx.image.flatten({ background: ctx.plan.background });
};
