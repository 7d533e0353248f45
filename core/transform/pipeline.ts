import type { Step } from './context.ts';
import { colour } from './steps/colour.ts';
import { encode } from './steps/encode.ts';
import { flatten } from './steps/flatten.ts';
import { orient } from './steps/orient.ts';
import { resize } from './steps/resize.ts';

/**
 * The render pipeline, in order. Each step adds one kind of operation to the
 * single sharp pipeline; libvips then applies them in its own fixed order
 * (orient and resize are fused with the decode for shrink-on-load), so this
 * list is the readable story of a render, and reordering it is a one-line change.
 */
export const RENDER_STEPS: readonly Step[] = [
  orient, //  EXIF Orientation → upright
  resize, //  into the box, never enlarged, shrink-on-load
  flatten, // JPEG only: alpha onto white
  colour, //  CMYK / wide gamut / 16-bit → 8-bit sRGB, no profile written
  encode, //  codec and quality for the output format
];
