import type { Step } from '../context.ts';
import { ENCODERS } from '../encoders.ts';

/** Chooses the output codec and its settings (encoders.ts); the bytes are produced when the pipeline is awaited. */
export const encode: Step = (ctx) => {
  ENCODERS[ctx.plan.format](ctx.image, ctx.plan);
};
