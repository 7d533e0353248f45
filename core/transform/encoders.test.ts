import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, OUTPUT_FORMATS, QUALITY_STEPS } from '../contract/index.ts';
import { photoJpeg, sampleImage, shippedFixture } from '../../test/fixtures/generate.ts';
import { metadataOf } from '../../test/fixtures/pixels.ts';
import { CODEC_QUALITY } from './encoders.ts';
import { renderVariant } from './render.ts';
import { LIBVIPS_CONCURRENCY } from './runtime.ts';

const SHARP_FORMAT = { jpeg: 'jpeg', png: 'png', webp: 'webp', avif: 'heif' } as const;

describe('encoders', () => {
  it('has a codec quality for every contract q step, and only those', () => {
    expect(Object.keys(CODEC_QUALITY).map(Number)).toEqual([...QUALITY_STEPS]);
  });

  it('maps a higher q to a higher codec quality for every format, AVIF always lowest', () => {
    for (const format of ['jpeg', 'webp', 'avif'] as const) {
      const values = QUALITY_STEPS.map((q) => CODEC_QUALITY[q]![format]);
      expect(values, format).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(values).size, format).toBe(values.length);
    }
    for (const q of QUALITY_STEPS) expect(CODEC_QUALITY[q]!.avif).toBeLessThan(CODEC_QUALITY[q]!.jpeg);
  });

  it.each(OUTPUT_FORMATS)('writes a real %s with the matching content type', async (fmt) => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt, q: 75, w: 320 });
    const meta = await metadataOf(out.body);
    expect(meta.format).toBe(SHARP_FORMAT[fmt]);
    if (fmt === 'avif') expect(meta.compression).toBe('av1');
    expect(out.contentType).toBe(CONTENT_TYPES[fmt]);
    expect(out.format).toBe(fmt);
  });

  it('writes progressive JPEG', async () => {
    const out = await renderVariant(await sampleImage('jpeg'), { fmt: 'jpeg', q: 75, w: 320 });
    expect((await metadataOf(out.body)).isProgressive).toBe(true);
  });

  it.each(['jpeg', 'webp', 'avif'] as const)('makes a bigger %s for a higher q', async (fmt) => {
    const source = await sampleImage('jpeg');
    const low = await renderVariant(source, { fmt, q: 40, w: 320 });
    const high = await renderVariant(source, { fmt, q: 95, w: 320 });
    expect(high.body.length).toBeGreaterThan(low.body.length * 1.5);
  });

  it('re-quantises a palette PNG to a small palette PNG', async () => {
    const out = await renderVariant(shippedFixture('Flag_of_the_Netherlands.png'), { fmt: 'png', q: 75, w: 640 });
    const meta = await metadataOf(out.body);
    expect(meta.isPalette).toBe(true);
    expect(out.body.length).toBeLessThan(4096);
  });

  it('keeps a photo PNG truecolour', async () => {
    const out = await renderVariant(await sampleImage('png'), { fmt: 'png', q: 75, w: 320 });
    expect((await metadataOf(out.body)).isPalette).toBe(false);
  });

  describe('determinism', () => {
    it(`runs libvips with a pinned concurrency (${LIBVIPS_CONCURRENCY}) and no operation cache`, () => {
      expect(sharp.concurrency()).toBe(LIBVIPS_CONCURRENCY);
      expect(sharp.cache().memory.max).toBe(0);
    });

    it.each(OUTPUT_FORMATS)('renders the same %s bytes twice from the same input and params', async (fmt) => {
      const source = await photoJpeg();
      const first = await renderVariant(source, { fmt, q: 75, w: 640 });
      const second = await renderVariant(Buffer.from(source), { fmt, q: 75, w: 640 });
      expect(second.body.equals(first.body)).toBe(true);
    });

    it('renders the same animated WebP bytes twice', async () => {
      const gif = shippedFixture('animated-loop-3.gif');
      const first = await renderVariant(gif, { fmt: 'webp', q: 75, w: 200 });
      const second = await renderVariant(gif, { fmt: 'webp', q: 75, w: 200 });
      expect(second.body.equals(first.body)).toBe(true);
    });
  });
});
