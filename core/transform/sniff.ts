import { UnsupportedSource } from '../errors.ts';
import { SNIFF_BYTES, SVG_SNIFF_BYTES } from './limits.ts';

/** The image types we decode, named by what the bytes are, never by the file's extension. */
export const SOURCE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

interface Signature {
  readonly format: SourceFormat;
  readonly matches: (head: Buffer) => boolean;
}

const startsWith = (head: Buffer, bytes: readonly number[]): boolean =>
  head.length >= bytes.length && bytes.every((b, i) => head[i] === b);

const ascii = (head: Buffer, start: number, end: number): string =>
  head.length >= end ? head.toString('latin1', start, end) : '';

/**
 * AVIF is an ISOBMFF file whose `ftyp` box names the `avif` (still) or `avis`
 * (sequence) brand, as major or compatible brand (AV1 Image File Format §9.3.1).
 * HEIC shares the container but not the brand, and sharp's prebuilt libvips
 * has no HEVC decoder: it falls through to "unsupported".
 */
function isAvif(head: Buffer): boolean {
  if (ascii(head, 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [ascii(head, 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(ascii(head, at, at + 4));
  return brands.includes('avif') || brands.includes('avis');
}

/** Accepted magic numbers, first match wins. */
const SIGNATURES: readonly Signature[] = [
  { format: 'jpeg', matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { format: 'png', matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { format: 'gif', matches: (h) => ascii(h, 0, 6) === 'GIF87a' || ascii(h, 0, 6) === 'GIF89a' },
  { format: 'webp', matches: (h) => ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 12) === 'WEBP' },
  { format: 'avif', matches: isAvif },
  // Classic TIFF only, both byte orders; BigTIFF (43) exists for files > 4 GB, far beyond MAX_SOURCE_BYTES.
  { format: 'tiff', matches: (h) => startsWith(h, [0x49, 0x49, 0x2a, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2a]) },
];

/** Types people do upload that we refuse, named so the 415 says why. */
const REFUSED: ReadonlyArray<{ readonly name: string; readonly matches: (head: Buffer) => boolean }> = [
  { name: 'SVG', matches: looksLikeSvg },
  { name: 'PDF', matches: (h) => ascii(h, 0, 5) === '%PDF-' },
  { name: 'HEIC', matches: (h) => ascii(h, 4, 8) === 'ftyp' },
  { name: 'JPEG 2000', matches: (h) => startsWith(h, [0xff, 0x4f, 0xff, 0x51]) || ascii(h, 4, 8) === 'jP  ' },
];

/** Text that opens like XML/SVG and has an `<svg` element near the top. */
function looksLikeSvg(head: Buffer): boolean {
  const text = head.toString('utf8', 0, Math.min(head.length, SVG_SNIFF_BYTES)).replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<') && /<svg[\s>/]/i.test(text);
}

/**
 * The type of `bytes` from its magic number, or UnsupportedSource (415).
 *
 * DECISION: SVG input is refused, never rasterized. An SVG is a program, not a
 * picture: it can reference external resources (`<image href="http://…">`,
 * XML entities, `@import` in CSS) that a rasterizer would fetch from inside our
 * network, and its cost is unbounded by its size. It is recognised here, before
 * sharp (which could render it via librsvg) ever sees the bytes. PDF, HEIC and
 * JPEG 2000 are refused for the same "not an accepted type" reason.
 *
 * Only the bytes decide: a PNG uploaded as `cat.jpg` is a PNG, and SVG text
 * named `logo.png` is still SVG (415).
 */
export function sniffFormat(bytes: Buffer): SourceFormat {
  const head = bytes.subarray(0, SNIFF_BYTES);
  for (const signature of SIGNATURES) {
    if (signature.matches(head)) return signature.format;
  }
  if (bytes.length === 0) throw new UnsupportedSource('empty file is not an image');
  const svgHead = bytes.subarray(0, SVG_SNIFF_BYTES);
  for (const refused of REFUSED) {
    if (refused.matches(svgHead)) throw new UnsupportedSource(`${refused.name} is not accepted: expected JPEG, PNG, WebP, GIF, AVIF or TIFF`);
  }
  throw new UnsupportedSource('unsupported image type: expected JPEG, PNG, WebP, GIF, AVIF or TIFF');
}
