/**
 * The checks made before any pixel is decoded, shared by the renderer and the
 * upload validation: byte size, real type from the magic number, the file's
 * scans or frames (structure.ts), then the header's dimensions and frame count
 * against the limits.
 */
import sharp, { type Metadata } from 'sharp';
import { SourceTooLarge, UnprocessableSource, UnsupportedSource } from '../errors.ts';
import { MAX_ANIMATION_FRAMES, MAX_ANIMATION_PIXELS, MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS } from './limits.ts';
import { FAIL_ON } from './open.ts';
import { sharpCall } from './sharp-errors.ts';
import type { SourceInfo } from './context.ts';
import { sniffFormat, type SourceFormat } from './sniff.ts';
import { checkStructure } from './structure.ts';
import './runtime.ts';

/** What the renderer also needs from the header, beyond SourceInfo. */
export interface SourceHeader {
  readonly info: SourceInfo;
  /** Palette-based (GIF, indexed PNG): a PNG output is quantised back to a palette. */
  readonly palette: boolean;
}

/** sharp's name for each format we accept; AVIF is a HEIF container whose compression is AV1. */
const SHARP_FORMAT: Readonly<Record<SourceFormat, string>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif',
  tiff: 'tiff',
};

/**
 * Throws SourceTooLarge (413), UnsupportedSource (415) or UnprocessableSource
 * (422); never decodes pixels, so it settles in about a millisecond whatever
 * the header claims.
 */
export async function inspectSource(source: Buffer): Promise<SourceInfo> {
  return (await readHeader(source)).info;
}

export async function readHeader(source: Buffer): Promise<SourceHeader> {
  checkBytes(source);
  const format = sniffFormat(source);
  checkStructure(format, source);
  const meta = await readMetadata(source);
  checkSameFormat(format, meta);
  const info = toSourceInfo(format, meta, source.length);
  checkPixels(info);
  return { info, palette: meta.isPalette === true };
}

function checkBytes(source: Buffer): void {
  if (source.length > MAX_SOURCE_BYTES) {
    throw new SourceTooLarge(`image is ${source.length} bytes, more than the ${MAX_SOURCE_BYTES} allowed`);
  }
}

/**
 * Header only. The pixel limit is left off here on purpose, so the refusal
 * comes from checkPixels with the real numbers in its message; the decode
 * (open.ts) passes the same limits to sharp as a second lock.
 */
function readMetadata(source: Buffer): Promise<Metadata> {
  return sharpCall(() => sharp(source, { failOn: FAIL_ON, limitInputPixels: false }).metadata());
}

/** The magic number and libvips must agree (an `avif` brand around HEVC data is HEIC: refused). */
function checkSameFormat(format: SourceFormat, meta: Metadata): void {
  const sameContainer = meta.format === SHARP_FORMAT[format];
  const av1 = format !== 'avif' || meta.compression === 'av1';
  if (!sameContainer || !av1) {
    throw new UnsupportedSource(`image content does not match its ${format} signature`);
  }
}

function toSourceInfo(format: SourceFormat, meta: Metadata, bytes: number): SourceInfo {
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  return { format, width, height, pages: Math.max(1, meta.pages ?? 1), bytes };
}

function checkPixels(info: SourceInfo): void {
  const frame = info.width * info.height;
  if (frame > MAX_SOURCE_PIXELS) {
    throw new UnprocessableSource(`image is ${info.width}×${info.height}, more than ${MAX_SOURCE_PIXELS} pixels`);
  }
  if (info.pages > MAX_ANIMATION_FRAMES) {
    throw new UnprocessableSource(`image has ${info.pages} frames, more than ${MAX_ANIMATION_FRAMES}`);
  }
  if (info.pages > 1 && frame * info.pages > MAX_ANIMATION_PIXELS) {
    throw new UnprocessableSource(`animation has ${frame * info.pages} pixels in all, more than ${MAX_ANIMATION_PIXELS}`);
  }
}
