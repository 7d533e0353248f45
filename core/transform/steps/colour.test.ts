import { describe, expect, it } from 'vitest';
import { cmykJpeg, metadataRichJpeg, p3Jpeg, p3Png16, shippedFixture, TEST_COLOUR } from '../../../test/fixtures/generate.ts';
import { colourDistance, metadataOf, pixelAt, storedPixelAt } from '../../../test/fixtures/pixels.ts';
import { renderVariant } from '../render.ts';
import { OUTPUT_FORMATS } from '../../contract/index.ts';

describe('step: colour', () => {
  it('converts a CMYK JPEG with an embedded profile to sRGB with about the right colour', async () => {
    const out = await renderVariant(await cmykJpeg(), { fmt: 'jpeg', q: 95 });
    const meta = await metadataOf(out.body);
    expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
    expect(colourDistance(await pixelAt(out.body, 32, 32), TEST_COLOUR)).toBeLessThan(32);
  });

  it('converts a CMYK JPEG without a profile to sRGB with about the right colour', async () => {
    const out = await renderVariant(await cmykJpeg({ profile: false }), { fmt: 'png', q: 95 });
    expect((await metadataOf(out.body)).space).toBe('srgb');
    expect(colourDistance(await pixelAt(out.body, 32, 32), TEST_COLOUR)).toBeLessThan(32);
  });

  it('shows a Display P3 photo in the same colour as sRGB, not its raw P3 numbers', async () => {
    const source = await p3Jpeg();
    // The fixture is meaningful: read without its profile, the colour is visibly off.
    expect(colourDistance(await storedPixelAt(source, 32, 32), TEST_COLOUR)).toBeGreaterThan(10);
    const out = await renderVariant(source, { fmt: 'png', q: 95 });
    expect(colourDistance(await pixelAt(out.body, 32, 32), TEST_COLOUR)).toBeLessThanOrEqual(3);
  });

  it('converts a 16-bit Display P3 PNG to 8-bit sRGB (sharp alone would keep P3 numbers)', async () => {
    const out = await renderVariant(await p3Png16(), { fmt: 'png', q: 95 });
    const meta = await metadataOf(out.body);
    expect([meta.space, meta.depth]).toEqual(['srgb', 'uchar']);
    expect(colourDistance(await pixelAt(out.body, 32, 32), TEST_COLOUR)).toBeLessThanOrEqual(3);
  });

  it.each(OUTPUT_FORMATS)('writes no EXIF, ICC profile or XMP into %s', async (fmt) => {
    const source = await metadataRichJpeg();
    const before = await metadataOf(source);
    expect([!!before.exif, !!before.icc, !!before.xmp]).toEqual([true, true, true]);
    const out = await renderVariant(source, { fmt, q: 75, w: 200 });
    const meta = await metadataOf(out.body);
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    for (const marker of ['imgedge-test-camera', 'imgedge-xmp-marker', 'secret location']) {
      expect(out.body.includes(marker), marker).toBe(false);
    }
  });

  it('drops the text and time chunks of a PNG', async () => {
    const source = shippedFixture('Flag_of_the_Netherlands.png');
    expect(source.includes('tEXt') && source.includes('tIME')).toBe(true);
    const out = await renderVariant(source, { fmt: 'png', q: 75, w: 300 });
    expect(out.body.includes('tEXt') || out.body.includes('tIME') || out.body.includes('iCCP')).toBe(false);
  });
});
