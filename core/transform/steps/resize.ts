import sharp from 'sharp';
import type { Step } from '../context.ts';
import { coverSize, coverWindow } from '../../contract/index.ts';

/** A contain's padding where the format has alpha: transparent. JPEG pads with the plan's background. */
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

/**
 * Fits the image into the plan's box (`inside`) or makes it exactly the box (cover crops around
 * the plan's crop, contain pads, fill stretches); never enlarging it, which for the exact fits the
 * plan's box already ensures. Given to libvips together with the decode, so JPEG is shrunk by
 * 2/4/8 in the DCT and WebP at load time instead of being decoded in full first. Animated images
 * are resized frame by frame (sharp resizes to the page height).
 */
export const resize: Step = (ctx) => {
  const { box, crop } = ctx.plan;
  if (box.fit === 'cover' && typeof crop === 'object') {
    // Scaled to cover the box, then the box cut around the focal point (extract after resize).
    const scaled = coverSize(ctx.source, box);
    ctx.image.resize({ width: scaled.width, height: scaled.height, fit: 'fill' }).extract(coverWindow(scaled, box, crop));
    return;
  }
  const background = ctx.plan.format === 'jpeg' ? ctx.plan.background : TRANSPARENT;
  const position = crop === 'attention' ? sharp.strategy.attention : 'centre';
  ctx.image.resize({ width: box.width, height: box.height, fit: box.fit, position, background, withoutEnlargement: box.fit === 'inside' });
};
