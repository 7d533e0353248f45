/**
 * An original's focal point: where its subject is, which every `cover` crop keeps in frame.
 * It travels with the original as S3 user metadata (`x-amz-meta-focus: 0.42,0.31`), so the
 * edge and the render task read it with the bytes and crop alike; a new focal point is a new
 * upload of the original (a new generation), never a cache-key param. Without one, a cover
 * crop finds the subject itself (libvips' attention strategy), from the bytes alone.
 */

/** Fractions of the displayed (upright) width and height, each 0..1: `0,0` is the top left. */
export interface FocalPoint {
  readonly x: number;
  readonly y: number;
}

/** The original's user-metadata key (S3 answers it as `x-amz-meta-focus`). */
export const FOCUS_METADATA = 'focus';

/**
 * Two fractions of at most 4 decimals (a ten-thousandth of the width is below a pixel up to
 * 10,000 px). A literal, not built at load: the viewer function bundles the contract.
 */
const FOCUS = /^(0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?),(0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?)$/;

export const BAD_FOCUS = 'focus must be x,y: two fractions 0 to 1 of the width and the height (at most 4 decimals), such as 0.5,0.33';

/** `0.42,0.31` → { x: 0.42, y: 0.31 }; undefined for anything else. */
export function parseFocalPoint(text: string | undefined): FocalPoint | undefined {
  const match = text === undefined ? null : FOCUS.exec(text);
  return match ? { x: Number(match[1]), y: Number(match[2]) } : undefined;
}

/** The spelling parseFocalPoint reads back: `0.42,0.31`. */
export const formatFocalPoint = (focus: FocalPoint): string => `${focus.x},${focus.y}`;

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Window {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The size a `cover` of `box` scales the source to: the smallest that covers the box on both
 * sides, keeping the source's aspect ratio (never less than the box, whatever the rounding).
 */
export function coverSize(source: Size, box: Size): Size {
  const scale = Math.max(box.width / source.width, box.height / source.height);
  return { width: Math.max(box.width, Math.round(source.width * scale)), height: Math.max(box.height, Math.round(source.height * scale)) };
}

/** The `box`-sized window of an image of size `scaled` centred on `focus`, moved inside it where the focus is near an edge. */
export function coverWindow(scaled: Size, box: Size, focus: FocalPoint): Window {
  const place = (length: number, span: number, at: number) => Math.min(length - span, Math.max(0, Math.round(at * length - span / 2)));
  return { left: place(scaled.width, box.width, focus.x), top: place(scaled.height, box.height, focus.y), width: box.width, height: box.height };
}
