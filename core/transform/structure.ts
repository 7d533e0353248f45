/**
 * Counts what makes a decode slow whatever the pixel count: the scans of a
 * JPEG and the frames (IFDs) of a GIF or TIFF, by walking the file's own
 * structure before libvips reads it. Each walk stops one past its limit, so a
 * hostile file costs microseconds here however many it declares.
 *
 * Why not leave it to libvips: a progressive JPEG is decoded in full, every
 * scan a pass over all of its blocks, before sharp's timeout is first checked
 * (a 48 MP JPEG of 379 legal scans ran 5 s past a 3 s timeout here), and
 * reading the header of a TIFF or GIF walks every frame (200,000 IFDs: 2.5 s).
 * No npm parser stops at a limit, hence these walks.
 */
import { UnprocessableSource } from '../errors.ts';
import { MAX_ANIMATION_FRAMES, MAX_JPEG_SCANS } from './limits.ts';
import type { SourceFormat } from './sniff.ts';

/** Throws UnprocessableSource (422) for a JPEG of more than MAX_JPEG_SCANS scans or a GIF/TIFF of more than MAX_ANIMATION_FRAMES frames. */
export function checkStructure(format: SourceFormat, source: Buffer): void {
  if (format === 'jpeg' && countJpegScans(source, MAX_JPEG_SCANS + 1) > MAX_JPEG_SCANS) {
    throw new UnprocessableSource(`image has more than ${MAX_JPEG_SCANS} progressive scans`);
  }
  const frames = format === 'gif' ? countGifFrames : format === 'tiff' ? countTiffDirectories : undefined;
  if (frames && frames(source, MAX_ANIMATION_FRAMES + 1) > MAX_ANIMATION_FRAMES) {
    throw new UnprocessableSource(`image has more than ${MAX_ANIMATION_FRAMES} frames`);
  }
}

const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);

/**
 * Start-of-scan markers up to the first EOI, at most `stop` (ITU-T T.81 §B.1.1):
 * marker segments carry their length; after an SOS header the entropy-coded data
 * runs to the next marker, where 0xFF is only ever followed by 0x00 (stuffing)
 * or a restart marker. Bytes where a marker should be are skipped up to the next
 * 0xFF, and 0xFF00 there is no marker, as libjpeg's marker reader skips both with
 * a warning (which FAIL_ON lets through). A file cut short just ends the count.
 */
export function countJpegScans(jpeg: Buffer, stop: number): number {
  let scans = 0;
  let at = 2;
  while (at + 1 < jpeg.length && scans < stop) {
    if (jpeg[at] !== 0xff) {
      at = jpeg.indexOf(0xff, at);
      if (at < 0) return scans;
      continue;
    }
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x00) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) return scans;
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (at + 3 >= jpeg.length) return scans;
    at += 2 + jpeg.readUInt16BE(at + 2);
    if (marker === 0xda) {
      scans++;
      at = nextMarker(jpeg, at);
    }
  }
  return scans;
}

/** The offset of the first marker at or after `at` in entropy-coded data. */
function nextMarker(jpeg: Buffer, at: number): number {
  for (let ff = jpeg.indexOf(0xff, at); ff >= 0 && ff + 1 < jpeg.length; ff = jpeg.indexOf(0xff, ff + 1)) {
    const next = jpeg[ff + 1]!;
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) return ff;
  }
  return jpeg.length;
}

/** Bytes of a colour table whose flag and size are the packed byte's bit 7 and bits 0–2 (GIF89a §18, §20). */
const colourTable = (packed: number) => ((packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 0x07) + 1));

/** Past a chain of data sub-blocks (a length byte, then that many bytes; 0 ends it). */
function skipSubBlocks(gif: Buffer, at: number): number {
  while (at < gif.length && gif[at] !== 0) at += 1 + gif[at]!;
  return at + 1;
}

/** Image descriptors (0x2C) before the trailer, at most `stop` (GIF89a §20, §27). */
export function countGifFrames(gif: Buffer, stop: number): number {
  if (gif.length < 13) return 0;
  let frames = 0;
  let at = 13 + colourTable(gif[10]!);
  while (at < gif.length && frames < stop) {
    const block = gif[at];
    if (block === 0x2c) {
      frames++;
      if (at + 10 >= gif.length) return frames;
      at += 10 + colourTable(gif[at + 9]!) + 1; // descriptor, local table, LZW minimum code size
      at = skipSubBlocks(gif, at);
    } else if (block === 0x21) {
      at = skipSubBlocks(gif, at + 2);
    } else {
      return frames; // the trailer (0x3B), or bytes a decoder will refuse
    }
  }
  return frames;
}

/**
 * Image file directories along the chain of next-IFD offsets, at most `stop`
 * (TIFF 6.0 §2: an IFD is a 2-byte entry count, 12-byte entries, then the
 * 4-byte offset of the next IFD, 0 for none). A loop counts on up to `stop`.
 */
export function countTiffDirectories(tiff: Buffer, stop: number): number {
  if (tiff.length < 8) return 0;
  const little = tiff[0] === 0x49;
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  let directories = 0;
  for (let at = u32(4); at !== 0 && at + 2 <= tiff.length && directories < stop; ) {
    directories++;
    const next = at + 2 + 12 * u16(at);
    if (next + 4 > tiff.length) return directories;
    at = u32(next);
  }
  return directories;
}
