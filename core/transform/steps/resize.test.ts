import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_DIMENSION } from '../../contract/index.ts';
import { bilevelPng, photoJpeg, sampleImage } from '../../../test/fixtures/generate.ts';
import { metadataOf } from '../../../test/fixtures/pixels.ts';
import { renderVariant } from '../render.ts';

describe('step: resize', () => {
  it('scales a 3000×2000 photo to the requested width, keeping its aspect ratio', async () => {
    const out = await renderVariant(await photoJpeg(), { fmt: 'jpeg', q: 75, w: 320 });
    expect([out.width, out.height]).toEqual([320, 213]);
    const meta = await metadataOf(out.body);
    expect([meta.width, meta.height]).toEqual([320, 213]);
  });

  it('scales to the requested height alone', async () => {
    const out = await renderVariant(await photoJpeg(), { fmt: 'webp', q: 75, h: 200 });
    expect([out.width, out.height]).toEqual([300, 200]);
  });

  it('fills a w×h box exactly, cropping the overflow (cover)', async () => {
    const out = await renderVariant(await photoJpeg(), { fmt: 'jpeg', q: 75, w: 320, h: 320 });
    expect([out.width, out.height]).toEqual([320, 320]);
  });

  it('never enlarges a small image asked for a bigger width', async () => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt: 'jpeg', q: 75, w: 1080 });
    expect([out.width, out.height]).toEqual([640, 427]);
  });

  it('never enlarges when filling a box bigger than the image either', async () => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt: 'jpeg', q: 75, w: 1000, h: 1000 });
    expect(out.width).toBeLessThanOrEqual(640);
    expect(out.height).toBeLessThanOrEqual(427);
  });

  it('keeps the original size when neither w nor h is given', async () => {
    const out = await renderVariant(await photoJpeg(), { fmt: 'jpeg', q: 75 });
    expect([out.width, out.height]).toEqual([3000, 2000]);
  });

  it(`clamps an image wider than MAX_OUTPUT_DIMENSION (${MAX_OUTPUT_DIMENSION}) when no size is asked for`, async () => {
    const out = await renderVariant(bilevelPng(10_000, 5_000), { fmt: 'png', q: 75 });
    expect([out.width, out.height]).toEqual([MAX_OUTPUT_DIMENSION, MAX_OUTPUT_DIMENSION / 2]);
  });

  it('clamps a width above MAX_OUTPUT_DIMENSION that slipped past the contract', async () => {
    const out = await renderVariant(bilevelPng(10_000, 5_000), { fmt: 'png', q: 75, w: 99_999 });
    expect(out.width).toBe(MAX_OUTPUT_DIMENSION);
  });

  it('bounds the other side by MAX_OUTPUT_DIMENSION when only one is given', async () => {
    const out = await renderVariant(bilevelPng(1_000, 10_000), { fmt: 'png', q: 75, w: 1_000 });
    expect([out.width, out.height]).toEqual([410, MAX_OUTPUT_DIMENSION]);
  });
});
