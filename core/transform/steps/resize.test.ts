import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_DIMENSION } from '../../contract/index.ts';
import sharp from 'sharp';
import { bilevelPng, photoJpeg, sampleImage } from '../../../test/fixtures/generate.ts';
import { metadataOf, pixelAt } from '../../../test/fixtures/pixels.ts';
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

  it('fits inside a w×h box when no fit is named (inside, the default)', async () => {
    const out = await renderVariant(await photoJpeg(), { fmt: 'jpeg', q: 75, w: 320, h: 320 });
    expect([out.width, out.height]).toEqual([320, 213]);
  });

  it('never enlarges a small image asked for a bigger width', async () => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt: 'jpeg', q: 75, w: 1080 });
    expect([out.width, out.height]).toEqual([640, 427]);
  });

  it('never enlarges inside a box bigger than the image either', async () => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt: 'jpeg', q: 75, w: 1000, h: 1000 });
    expect([out.width, out.height]).toEqual([640, 427]);
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

/** A 300×100 image: left third red, middle green, right blue; to see what a fit kept and where. */
const stripes = (channels: 3 | 4 = 3) => {
  const pixels = Buffer.alloc(300 * 100 * channels);
  for (let y = 0; y < 100; y++) {
    for (let x = 0; x < 300; x++) {
      const colour = x < 100 ? [255, 0, 0] : x < 200 ? [0, 255, 0] : [0, 0, 255];
      pixels.set(channels === 4 ? [...colour, 255] : colour, (y * 300 + x) * channels);
    }
  }
  return sharp(pixels, { raw: { width: 300, height: 100, channels } }).png().toBuffer();
};
const COLOURS: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['red', [255, 0, 0]],
  ['green', [0, 255, 0]],
  ['blue', [0, 0, 255]],
  ['white', [255, 255, 255]],
  ['navy', [0x1d, 0x23, 0x30]],
];
/** The colour a pixel is within 60 of (per channel) of COLOURS, or transparent (alpha under 16), or '?'. */
const named = (pixel: number[]): string => {
  if (pixel.length === 4 && (pixel[3] as number) < 16) return 'transparent';
  const near = COLOURS.find(([, colour]) => colour.every((v, i) => Math.abs((pixel[i] as number) - v) < 60));
  return near === undefined ? '?' : near[0];
};

describe('step: resize, by fit', () => {
  it('cover: exactly the box, the overflow cropped equally from both sides of a centred focal point', async () => {
    const out = await renderVariant(await stripes(), { fmt: 'png', q: 75, w: 60, h: 60, fit: 'cover' }, { x: 0.5, y: 0.5 });
    expect([out.width, out.height]).toEqual([60, 60]);
    // 300×100 scaled to 180×60, then the middle 60 kept: all green.
    expect(await Promise.all([pixelAt(out.body, 2, 30), pixelAt(out.body, 57, 30)].map(async (p) => named(await p)))).toEqual(['green', 'green']);
  });

  it('contain: exactly the box, the image whole in the middle, padded transparent where the format has alpha', async () => {
    for (const fmt of ['png', 'webp', 'avif'] as const) {
      const out = await renderVariant(await stripes(), { fmt, q: 95, w: 90, h: 90, fit: 'contain' });
      expect([out.width, out.height], fmt).toEqual([90, 90]);
      // 300×100 → 90×30, with 30 px of padding above and below.
      const [top, left, middle, right] = await Promise.all([pixelAt(out.body, 45, 5), pixelAt(out.body, 5, 45), pixelAt(out.body, 45, 45), pixelAt(out.body, 85, 45)]);
      expect([named(top), named(left), named(middle), named(right)], fmt).toEqual(['transparent', 'red', 'green', 'blue']);
    }
  });

  it("contain: a JPEG pads with the variant's background, and puts transparency on it too", async () => {
    const out = await renderVariant(await stripes(), { fmt: 'jpeg', q: 95, w: 90, h: 90, fit: 'contain', bg: '1d2330' });
    expect([out.width, out.height]).toEqual([90, 90]);
    expect(named(await pixelAt(out.body, 45, 5))).toBe('navy');
    const white = await renderVariant(await stripes(4), { fmt: 'jpeg', q: 95, w: 90, h: 90, fit: 'contain' });
    expect(named(await pixelAt(white.body, 45, 5))).toBe('white');
  });

  it('fill: exactly the box, the image stretched, nothing cropped', async () => {
    const out = await renderVariant(await stripes(), { fmt: 'png', q: 75, w: 90, h: 90, fit: 'fill' });
    expect([out.width, out.height]).toEqual([90, 90]);
    const row = await Promise.all([5, 45, 85].map(async (x) => named(await pixelAt(out.body, x, 45))));
    expect(row).toEqual(['red', 'green', 'blue']);
  });

  it('never enlarges: a box bigger than the source keeps its aspect ratio at the source size', async () => {
    const source = await sampleImage('jpeg'); // 640×427
    const at = async (fit: 'cover' | 'contain' | 'fill', w: number, h: number) => {
      const out = await renderVariant(source, { fmt: 'jpeg', q: 75, w, h, fit });
      const meta = await metadataOf(out.body);
      expect([meta.width, meta.height]).toEqual([out.width, out.height]);
      return [out.width, out.height];
    };
    // cover and fill: the largest 1:1 (or 2:1) box the source holds, so no pixel is scaled up.
    expect(await at('cover', 1000, 1000)).toEqual([427, 427]);
    expect(await at('fill', 1000, 1000)).toEqual([427, 427]);
    expect(await at('cover', 2000, 1000)).toEqual([640, 320]);
    // contain: the smallest 1:1 box that holds the source whole, padding only.
    expect(await at('contain', 1000, 1000)).toEqual([640, 640]);
    expect(await at('contain', 2000, 1000)).toEqual([854, 427]);
    // One side past the source is enough to shrink a cover's box; a contain that shrinks the image keeps its box.
    expect(await at('cover', 700, 200)).toEqual([640, 183]);
    expect(await at('contain', 700, 200)).toEqual([700, 200]);
  });

  it('answers exactly the box at the edge of the source, and one pixel past it held to the source', async () => {
    const source = await sampleImage('jpeg');
    expect((await renderVariant(source, { fmt: 'webp', q: 75, w: 640, h: 427, fit: 'cover' })).width).toBe(640);
    const past = await renderVariant(source, { fmt: 'webp', q: 75, w: 641, h: 427, fit: 'cover' });
    expect([past.width, past.height]).toEqual([640, 426]);
  });

  it('cover: crops around the focal point when there is one, kept inside the image near an edge', async () => {
    const source = await stripes();
    const at = async (x: number) => {
      const out = await renderVariant(source, { fmt: 'png', q: 75, w: 60, h: 60, fit: 'cover' }, { x, y: 0.5 });
      expect([out.width, out.height]).toEqual([60, 60]);
      return Promise.all([2, 57].map(async (px) => named(await pixelAt(out.body, px, 30))));
    };
    expect(await at(0.1)).toEqual(['red', 'red']);
    expect(await at(0.5)).toEqual(['green', 'green']);
    expect(await at(1)).toEqual(['blue', 'blue']);
    // Other fits ignore it: a contain shows the whole image.
    const contain = await renderVariant(source, { fmt: 'png', q: 75, w: 90, h: 90, fit: 'contain' }, { x: 0, y: 0 });
    expect(named(await pixelAt(contain.body, 85, 45))).toBe('blue');
  });

  it('cover: without a focal point, finds the subject (attention), the same way every time', async () => {
    // A flat grey field with a saturated, busy patch near its right edge: the centre crop misses it.
    const pixels = Buffer.alloc(600 * 200 * 3, 128);
    for (let y = 60; y < 140; y++) {
      for (let x = 480; x < 580; x++) pixels.set((x + y) % 8 < 4 ? [230, 30, 40] : [250, 200, 40], (y * 600 + x) * 3);
    }
    const source = await sharp(pixels, { raw: { width: 600, height: 200, channels: 3 } }).png().toBuffer();
    const out = await renderVariant(source, { fmt: 'png', q: 75, w: 100, h: 100, fit: 'cover' });
    const again = await renderVariant(source, { fmt: 'png', q: 75, w: 100, h: 100, fit: 'cover' });
    expect(again.body.equals(out.body)).toBe(true);
    const grey = (pixel: number[]) => pixel.slice(0, 3).every((v) => Math.abs(v - 128) < 10);
    const row = await Promise.all([10, 30, 50, 70, 90].map((x) => pixelAt(out.body, x, 50)));
    expect(row.some((pixel) => !grey(pixel))).toBe(true);
  });
});

