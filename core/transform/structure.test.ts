import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gifFrames, shippedFixture, tiffPages } from '../../test/fixtures/generate.ts';
import { scanBombJpeg } from '../../test/fixtures/scan-bomb.ts';
import { countGifFrames, countJpegScans, countTiffDirectories } from './structure.ts';

const UNBOUNDED = Number.MAX_SAFE_INTEGER;
const grey = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#808080' } });

describe('countJpegScans', () => {
  it('counts one scan in a baseline JPEG and every scan of a progressive one', async () => {
    expect(countJpegScans(await grey(64, 64).jpeg().toBuffer(), UNBOUNDED)).toBe(1);
    // libjpeg's default progressive script for a colour image (jcparam.c jpeg_simple_progression): 10 scans.
    expect(countJpegScans(await grey(64, 64).jpeg({ progressive: true, mozjpeg: false }).toBuffer(), UNBOUNDED)).toBe(10);
  });

  it('counts the scans a file has, however many', () => {
    expect(countJpegScans(scanBombJpeg(64, 64, 379), UNBOUNDED)).toBe(379);
  });

  it('stops counting at `stop`', () => {
    expect(countJpegScans(scanBombJpeg(64, 64, 379), 101)).toBe(101);
  });

  it('does not count the scan of a thumbnail inside an APP segment, nor images after the first EOI', async () => {
    const thumbnail = await grey(16, 16).jpeg().toBuffer();
    const photo = await grey(64, 64).jpeg().toBuffer();
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(thumbnail.length + 2, 2);
    const withThumbnail = Buffer.concat([photo.subarray(0, 2), app1, thumbnail, photo.subarray(2), thumbnail]);
    expect(countJpegScans(withThumbnail, UNBOUNDED)).toBe(1);
  });

  it('counts on past stray bytes and 0xFF00 between segments, as libjpeg skips them', () => {
    const bomb = scanBombJpeg(64, 64, 379);
    const dqtEnd = 2 + 4 + 65; // SOI, then the DQT segment: marker, length, 65 bytes of table
    const strayed = (stray: number[]) => Buffer.concat([bomb.subarray(0, dqtEnd), Buffer.from(stray), bomb.subarray(dqtEnd)]);
    expect(countJpegScans(strayed([0x00]), UNBOUNDED)).toBe(379);
    expect(countJpegScans(strayed([0xff, 0x00, 0x7f, 0x00]), UNBOUNDED)).toBe(379);
  });

  it('ends the count where a file is cut short', () => {
    const bomb = scanBombJpeg(64, 64, 50);
    expect(countJpegScans(bomb.subarray(0, bomb.length / 2), UNBOUNDED)).toBeLessThan(50);
  });
});

describe('countGifFrames', () => {
  it('counts every frame of a real animation and of a generated one', () => {
    expect(countGifFrames(shippedFixture('animated-loop-3.gif'), UNBOUNDED)).toBe(10);
    expect(countGifFrames(gifFrames(5000), UNBOUNDED)).toBe(5000);
  });

  it('stops counting at `stop`', () => {
    expect(countGifFrames(gifFrames(5000), 301)).toBe(301);
  });
});

/** A tiffPages file rewritten big-endian ("MM"): header, every IFD's count, entries and next offset. */
function bigEndian(little: Buffer): Buffer {
  const big = Buffer.from(little);
  big.write('MM', 0, 'latin1');
  big.writeUInt16BE(42, 2);
  big.writeUInt32BE(little.readUInt32LE(4), 4);
  for (let at = little.readUInt32LE(4); at !== 0; ) {
    const entries = little.readUInt16LE(at);
    big.writeUInt16BE(entries, at);
    for (let i = 0; i < entries; i++) {
      const entry = at + 2 + i * 12;
      big.writeUInt16BE(little.readUInt16LE(entry), entry);
      const type = little.readUInt16LE(entry + 2);
      big.writeUInt16BE(type, entry + 2);
      big.writeUInt32BE(little.readUInt32LE(entry + 4), entry + 4);
      if (type === 3) big.writeUInt32BE(little.readUInt16LE(entry + 8) * 0x10000, entry + 8);
      else big.writeUInt32BE(little.readUInt32LE(entry + 8), entry + 8);
    }
    const next = at + 2 + entries * 12;
    big.writeUInt32BE(little.readUInt32LE(next), next);
    at = little.readUInt32LE(next);
  }
  return big;
}

describe('countTiffDirectories', () => {
  it('counts every page of a TIFF, little- and big-endian', async () => {
    expect(countTiffDirectories(tiffPages(1), UNBOUNDED)).toBe(1);
    expect(countTiffDirectories(tiffPages(1000), UNBOUNDED)).toBe(1000);
    const pages = Array.from({ length: 3 }, () => grey(8, 8).raw().toBuffer());
    const multipage = await sharp(Buffer.concat(await Promise.all(pages)), { raw: { width: 8, height: 24, channels: 3, pageHeight: 8 } }).tiff().toBuffer();
    expect(multipage[0]).toBe(0x49);
    expect(countTiffDirectories(multipage, UNBOUNDED)).toBe(3);
    expect(countTiffDirectories(bigEndian(tiffPages(4)), UNBOUNDED)).toBe(4);
  });

  it('stops counting at `stop`, also around a chain that loops', () => {
    expect(countTiffDirectories(tiffPages(1000), 301)).toBe(301);
    const looping = Buffer.from(tiffPages(2));
    looping.writeUInt32LE(10, looping.length - 4); // the second IFD points back at the first
    expect(countTiffDirectories(looping, 301)).toBe(301);
  });
});
