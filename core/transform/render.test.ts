import { describe, expect, it } from 'vitest';
import { BadRequest, ImgedgeError, SourceTooLarge, UnprocessableSource, UnsupportedSource, toErrorResponse } from '../errors.ts';
import type { VariantParams } from '../contract/index.ts';
import {
  bilevelPng,
  corruptHeaderJpeg,
  gifFrames,
  jpegSofBomb,
  lyingFiles,
  paddedJpeg,
  pngBomb,
  sampleImage,
  shippedFixture,
  svgWithExternalRef,
  truncatedJpeg,
  webpBomb,
} from '../../test/fixtures/generate.ts';
import { metadataOf } from '../../test/fixtures/pixels.ts';
import { MAX_ANIMATION_FRAMES, MAX_SOURCE_BYTES } from './limits.ts';
import { renderVariant } from './render.ts';

const WEBP_320: VariantParams = { fmt: 'webp', q: 75, w: 320 };

async function expectRefusal(promise: Promise<unknown>, type: new (...args: never[]) => ImgedgeError, status: number, message?: RegExp) {
  await expect(promise).rejects.toBeInstanceOf(type);
  await expect(promise).rejects.toMatchObject({ status });
  if (message) await expect(promise).rejects.toThrow(message);
}

describe('renderVariant', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)('renders a %s original', async (format) => {
    const out = await renderVariant(await sampleImage(format), WEBP_320);
    expect([out.width, out.height]).toEqual([320, 214]);
  });

  it('renders a PNG uploaded as .jpg by what it is', async () => {
    const pngAsJpg = (await lyingFiles()).find((f) => f.name === 'holiday.jpg')!;
    const out = await renderVariant(pngAsJpg.bytes, { fmt: 'jpeg', q: 75, w: 320 });
    expect((await metadataOf(out.body)).format).toBe('jpeg');
  });

  describe('animation', () => {
    it.each(['animated-loop-3.gif', 'animated-loop-3.webp'] as const)('keeps %s animated in WebP, with its loop and delays', async (name) => {
      const out = await renderVariant(shippedFixture(name), { fmt: 'webp', q: 75, w: 320 });
      expect([out.width, out.height]).toEqual([320, 246]);
      const meta = await metadataOf(out.body);
      expect(meta.pages).toBe(10);
      expect(meta.loop).toBe(3);
      expect(meta.delay).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 15000]);
      expect([meta.width, meta.pageHeight ?? meta.height]).toEqual([320, 246]);
    });

    it('crops every frame of an animation to fill a w×h box (cover)', async () => {
      const out = await renderVariant(shippedFixture('animated-loop-3.gif'), { fmt: 'webp', q: 75, w: 200, h: 200, fit: 'cover' });
      const meta = await metadataOf(out.body);
      expect([out.width, out.height, meta.pages]).toEqual([200, 200, 10]);
    });

    it.each(['png', 'jpeg', 'avif'] as const)('shows the first frame of an animated GIF as a still %s', async (fmt) => {
      const out = await renderVariant(shippedFixture('animated-loop-3.gif'), { fmt, q: 75, w: 320 });
      const meta = await metadataOf(out.body);
      expect([out.width, out.height]).toEqual([320, 246]);
      expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([320, 246, 1]);
    });

    it('renders an animation at the all-frames pixel limit (10 × 2000×2000)', async () => {
      const out = await renderVariant(gifFrames(10, 2000, 2000), { fmt: 'webp', q: 75, w: 640 });
      expect([out.width, out.height, (await metadataOf(out.body)).pages]).toEqual([640, 640, 10]);
    });

    it(`renders an animation of MAX_ANIMATION_FRAMES (${MAX_ANIMATION_FRAMES}) frames`, async () => {
      const out = await renderVariant(gifFrames(MAX_ANIMATION_FRAMES, 8, 8), { fmt: 'webp', q: 75 });
      expect([out.width, out.height]).toEqual([8, 8]);
    });
  });

  describe('limits at the edge', () => {
    it('renders a file of exactly MAX_SOURCE_BYTES', async () => {
      const out = await renderVariant(await paddedJpeg(MAX_SOURCE_BYTES), { fmt: 'jpeg', q: 75 });
      expect([out.width, out.height]).toEqual([16, 16]);
    });

    it('renders a PNG of exactly MAX_SOURCE_PIXELS', async () => {
      const out = await renderVariant(bilevelPng(10_000, 5_000), { fmt: 'jpeg', q: 75, w: 320 });
      expect([out.width, out.height]).toEqual([320, 160]);
    });
  });

  describe('bad originals settle with the right error', () => {
    it.each([
      ['refuses a file one byte over MAX_SOURCE_BYTES', () => paddedJpeg(MAX_SOURCE_BYTES + 1), SourceTooLarge, 413, /bytes/],
      ['refuses an SVG with an external reference, never rasterizing it', async () => svgWithExternalRef(), UnsupportedSource, 415, /SVG/],
      ['refuses SVG bytes uploaded as logo.png', async () => (await lyingFiles()).find((f) => f.actually === 'svg')!.bytes, UnsupportedSource, 415, /SVG/],
      ['refuses a 65536×65536 PNG before decoding it', async () => pngBomb(), UnprocessableSource, 422, /65536×65536/],
      ['refuses a PNG one pixel over the limit', async () => bilevelPng(14_041, 3_561), UnprocessableSource, 422, /pixels/],
      ['refuses a JPEG whose SOF claims 65500×65500', jpegSofBomb, UnprocessableSource, 422, /65500×65500/],
      ['refuses a WebP claiming 16383×16383', webpBomb, UnprocessableSource, 422, /16383×16383/],
      ['refuses a GIF with 5000 frames before decoding them', async () => gifFrames(5000), UnprocessableSource, 422, /frames/],
      ['refuses a truncated JPEG instead of rendering half of it', truncatedJpeg, UnprocessableSource, 422, /truncated/],
      ['refuses a JPEG with a corrupt header', corruptHeaderJpeg, UnprocessableSource, 422, /corrupt/],
    ] as const)('%s', async (_name, make, type, status, message) => {
      await expectRefusal(renderVariant(await make(), WEBP_320), type, status, message);
    });

    it.each(['png', 'webp', 'gif', 'avif', 'tiff'] as const)('refuses a truncated %s with 422', async (format) => {
      const whole = await sampleImage(format);
      await expectRefusal(renderVariant(whole.subarray(0, Math.floor(whole.length / 2)), WEBP_320), UnprocessableSource, 422);
    });

    it('gives the client a status and a safe message, and keeps sharp’s error as the cause', async () => {
      const err = await renderVariant(await truncatedJpeg(), WEBP_320).catch((e: unknown) => e);
      expect(toErrorResponse(err)).toEqual({ status: 422, message: 'image is truncated' });
      expect((err as Error).cause).toBeInstanceOf(Error);
      expect(((err as Error).cause as Error).message).toMatch(/premature end/);
    });
  });

  describe('params re-checked', () => {
    it.each([
      ['q off the steps', { fmt: 'jpeg', q: 80 }],
      ['w of 0', { fmt: 'jpeg', q: 75, w: 0 }],
      ['fractional h', { fmt: 'jpeg', q: 75, h: 10.5 }],
      ['an unknown format', { fmt: 'gif', q: 75 }],
      ['a fit with one side', { fmt: 'jpeg', q: 75, w: 64, fit: 'cover' }],
    ])('refuses %s with 400', async (_name, params) => {
      await expectRefusal(renderVariant(await sampleImage('jpeg'), params as unknown as VariantParams), BadRequest, 400);
    });
  });
});
