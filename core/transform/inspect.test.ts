import { describe, expect, it } from 'vitest';
import { SourceTooLarge, UnprocessableSource, UnsupportedSource } from '../errors.ts';
import {
  bilevelPng,
  corruptHeaderJpeg,
  gifFrames,
  heicBytes,
  jpegSofBomb,
  lyingFiles,
  orientedJpeg,
  paddedJpeg,
  pdfBytes,
  pngBomb,
  sampleImage,
  shippedFixture,
  svgWithExternalRef,
  tiffPages,
  truncatedJpeg,
  webpBomb,
} from '../../test/fixtures/generate.ts';
import { scanBombJpeg } from '../../test/fixtures/scan-bomb.ts';
import { inspectSource } from './inspect.ts';
import { MAX_ANIMATION_FRAMES, MAX_ANIMATION_PIXELS, MAX_JPEG_SCANS, MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS } from './limits.ts';

/** The promise settles with `type` and `status` (it must settle at all: no decode of a bomb). */
async function expectRefusal(promise: Promise<unknown>, type: new (...args: never[]) => Error, status: number, message?: RegExp) {
  await expect(promise).rejects.toBeInstanceOf(type);
  await expect(promise).rejects.toMatchObject({ status });
  if (message) await expect(promise).rejects.toThrow(message);
}

describe('inspectSource', () => {
  it('reports type, displayed size, frames and bytes of a photo', async () => {
    const jpeg = await sampleImage('jpeg');
    await expect(inspectSource(jpeg)).resolves.toEqual({ format: 'jpeg', width: 640, height: 427, pages: 1, bytes: jpeg.length });
  });

  it('reports the upright size of a photo stored sideways (EXIF orientation 6)', async () => {
    await expect(inspectSource(await orientedJpeg(6))).resolves.toMatchObject({ width: 96, height: 64 });
  });

  it('reports one frame’s size and the frame count of an animation', async () => {
    await expect(inspectSource(shippedFixture('animated-loop-3.gif'))).resolves.toMatchObject({ format: 'gif', width: 370, height: 285, pages: 10 });
    await expect(inspectSource(shippedFixture('animated-loop-3.webp'))).resolves.toMatchObject({ format: 'webp', pages: 10 });
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)('accepts a %s', async (format) => {
    await expect(inspectSource(await sampleImage(format))).resolves.toMatchObject({ format, width: 640, height: 427 });
  });

  it('names the sniffed type when the extension lies (PNG bytes uploaded as .jpg)', async () => {
    const pngAsJpg = (await lyingFiles()).find((f) => f.name === 'holiday.jpg')!;
    await expect(inspectSource(pngAsJpg.bytes)).resolves.toMatchObject({ format: 'png' });
  });

  describe('byte limit', () => {
    it(`accepts a file of exactly MAX_SOURCE_BYTES (${MAX_SOURCE_BYTES})`, async () => {
      await expect(inspectSource(await paddedJpeg(MAX_SOURCE_BYTES))).resolves.toMatchObject({ bytes: MAX_SOURCE_BYTES });
    });

    it('refuses one byte more with 413', async () => {
      await expectRefusal(inspectSource(await paddedJpeg(MAX_SOURCE_BYTES + 1)), SourceTooLarge, 413);
    });

    it('refuses an oversized file before looking at its type', async () => {
      const svgPadded = Buffer.concat([svgWithExternalRef(), Buffer.alloc(MAX_SOURCE_BYTES)]);
      await expectRefusal(inspectSource(svgPadded), SourceTooLarge, 413);
    });
  });

  describe('pixel limit', () => {
    it(`accepts a PNG of exactly MAX_SOURCE_PIXELS (10000×5000 = ${MAX_SOURCE_PIXELS})`, async () => {
      await expect(inspectSource(bilevelPng(10_000, 5_000))).resolves.toMatchObject({ width: 10_000, height: 5_000 });
    });

    it('refuses a PNG one pixel over (14041×3561 = 50,000,001) with 422', async () => {
      expect(14_041 * 3_561).toBe(MAX_SOURCE_PIXELS + 1);
      await expectRefusal(inspectSource(bilevelPng(14_041, 3_561)), UnprocessableSource, 422, /14041×3561/);
    });

    it('refuses a 65536×65536 PNG before decoding it', async () => {
      await expectRefusal(inspectSource(pngBomb()), UnprocessableSource, 422, /65536×65536/);
    });

    it('refuses a JPEG whose frame header claims 65500×65500', async () => {
      await expectRefusal(inspectSource(await jpegSofBomb()), UnprocessableSource, 422, /65500×65500/);
    });

    it('refuses a WebP claiming 16383×16383', async () => {
      await expectRefusal(inspectSource(await webpBomb()), UnprocessableSource, 422, /16383×16383/);
    });
  });

  describe('frame limits', () => {
    it(`accepts a GIF of exactly MAX_ANIMATION_FRAMES (${MAX_ANIMATION_FRAMES}) frames`, async () => {
      await expect(inspectSource(gifFrames(MAX_ANIMATION_FRAMES))).resolves.toMatchObject({ pages: MAX_ANIMATION_FRAMES });
    });

    it('refuses one frame more with 422', async () => {
      await expectRefusal(inspectSource(gifFrames(MAX_ANIMATION_FRAMES + 1)), UnprocessableSource, 422, /frames/);
    });

    it('refuses a GIF with 5000 frames', async () => {
      await expectRefusal(inspectSource(gifFrames(5000)), UnprocessableSource, 422, /more than 300 frames/);
    });

    it('refuses a TIFF of 100,000 pages from its structure, before libvips walks them', async () => {
      await expectRefusal(inspectSource(tiffPages(100_000)), UnprocessableSource, 422, /more than 300 frames/);
    });

    it(`accepts a TIFF of exactly MAX_ANIMATION_FRAMES pages`, async () => {
      await expect(inspectSource(tiffPages(MAX_ANIMATION_FRAMES))).resolves.toMatchObject({ format: 'tiff', pages: MAX_ANIMATION_FRAMES });
    });

    it(`accepts an animation of exactly MAX_ANIMATION_PIXELS over all frames (10 × 2000×2000 = ${MAX_ANIMATION_PIXELS})`, async () => {
      await expect(inspectSource(gifFrames(10, 2000, 2000))).resolves.toMatchObject({ pages: 10, width: 2000, height: 2000 });
    });

    it('refuses an animation just over it (10 × 2000×2001) although each frame is small', async () => {
      await expectRefusal(inspectSource(gifFrames(10, 2000, 2001)), UnprocessableSource, 422, /in all/);
    });
  });

  describe('scan limit', () => {
    it(`accepts a 48 MP progressive JPEG of exactly MAX_JPEG_SCANS (${MAX_JPEG_SCANS}) scans`, async () => {
      await expect(inspectSource(scanBombJpeg(8064, 6048, MAX_JPEG_SCANS))).resolves.toMatchObject({ format: 'jpeg', width: 8064, height: 6048 });
    });

    it('refuses one scan more with 422, before decoding any of them', async () => {
      await expectRefusal(inspectSource(scanBombJpeg(8064, 6048, MAX_JPEG_SCANS + 1)), UnprocessableSource, 422, /more than 100 progressive scans/);
    });
  });

  describe('unsupported and corrupt files', () => {
    it.each([
      ['an SVG with an external reference', svgWithExternalRef()],
      ['a PDF', pdfBytes()],
      ['a HEIC', heicBytes()],
      ['random bytes', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 73) % 256))],
    ])('refuses %s with 415', async (_name, bytes) => {
      await expectRefusal(inspectSource(bytes), UnsupportedSource, 415);
    });

    it('refuses a JPEG that ends before its frame header with 422', async () => {
      await expectRefusal(inspectSource(await corruptHeaderJpeg()), UnprocessableSource, 422, /corrupt/);
    });

    it('accepts a truncated JPEG whose header is intact (only decoding finds the cut; see render tests)', async () => {
      await expect(inspectSource(await truncatedJpeg())).resolves.toMatchObject({ width: 800, height: 600 });
    });

    it('refuses a PNG whose header declares an impossible bit depth', async () => {
      const png = Buffer.from(await sampleImage('png'));
      png[24] = 3; // IHDR bit depth: PNG allows 1, 2, 4, 8, 16
      await expectRefusal(inspectSource(png), UnprocessableSource, 422);
    });
  });
});
