import type { Sharp } from 'sharp';
import type { FocalPoint, Fit, OutputFormat, VariantParams } from '../contract/index.ts';
import type { SourceFormat } from './sniff.ts';

export interface SourceInfo {
  readonly format: SourceFormat;
  /** Displayed width: after EXIF orientation, so a portrait photo stored sideways reports portrait. One frame. */
  readonly width: number;
  /** Displayed height of one frame. */
  readonly height: number;
  /** Frames (GIF/WebP animation) or pages (TIFF); 1 for a still. */
  readonly pages: number;
  readonly bytes: number;
}

/** Decisions taken once, before the pipeline runs; steps read them, none recomputes them. */
export interface RenderPlan {
  readonly format: OutputFormat;
  /** The contract's q step (one of QUALITY_STEPS); encoders map it to codec quality. */
  readonly quality: number;
  /** Decode every frame and write an animation (animated source and an output that can hold one). */
  readonly animated: boolean;
  /** PNG output re-quantised to a palette (the source was palette-based). */
  readonly palette: boolean;
  /**
   * The box the output must fit in (`inside`) or be exactly (the other fits), already clamped to
   * MAX_OUTPUT_DIMENSION and, for the exact ones, held to what needs no enlarging (plan.ts).
   */
  readonly box: { readonly width: number; readonly height: number; readonly fit: Fit };
  /** `#rrggbb` for what has no alpha (JPEG): under transparency and a contain's padding. */
  readonly background: string;
  /**
   * Where a `cover` crop centres: the original's focal point, else what libvips' attention
   * strategy finds (stills), else the centre (animations, and every other fit).
   */
  readonly crop: FocalPoint | 'attention' | 'centre';
}

/**
 * What every step sees. `image` is the one sharp pipeline: steps add their
 * operation to it and nothing is decoded until the encode step's output is
 * awaited, so libvips can shrink on load.
 */
export interface RenderContext {
  readonly source: SourceInfo;
  readonly params: VariantParams;
  readonly plan: RenderPlan;
  readonly image: Sharp;
}

/** One named pipeline step: adds exactly one kind of sharp operation, or nothing. */
export type Step = (ctx: RenderContext) => void;
