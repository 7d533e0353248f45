import { describe, expect, it } from 'vitest';
import { alphaPng, shippedFixture, TEST_COLOUR } from '../../../test/fixtures/generate.ts';
import { colourDistance, metadataOf, pixelAt } from '../../../test/fixtures/pixels.ts';
import { renderVariant } from '../render.ts';

const OPAQUE = [16, 32] as const; // left half of alphaPng
const CLEAR = [48, 32] as const; //  right half, fully transparent

describe('step: flatten', () => {
  it('puts transparent areas on white in a JPEG', async () => {
    const out = await renderVariant(await alphaPng(), { fmt: 'jpeg', q: 95 });
    expect((await metadataOf(out.body)).channels).toBe(3);
    expect(colourDistance(await pixelAt(out.body, ...CLEAR), [255, 255, 255])).toBeLessThan(4);
    expect(colourDistance(await pixelAt(out.body, ...OPAQUE), TEST_COLOUR)).toBeLessThan(8);
  });

  it.each(['png', 'webp', 'avif'] as const)('keeps transparency in %s', async (fmt) => {
    const out = await renderVariant(await alphaPng(), { fmt, q: 95 });
    const meta = await metadataOf(out.body);
    expect(meta.hasAlpha).toBe(true);
    expect((await pixelAt(out.body, ...CLEAR))[3]).toBeLessThan(8);
    expect((await pixelAt(out.body, ...OPAQUE))[3]).toBeGreaterThan(247);
  });

  it('flattens a 16-bit grey+alpha PNG to an 8-bit RGB JPEG', async () => {
    const out = await renderVariant(shippedFixture('bggn4a16.png'), { fmt: 'jpeg', q: 75 });
    const meta = await metadataOf(out.body);
    expect([meta.format, meta.channels, meta.depth, meta.hasAlpha]).toEqual(['jpeg', 3, 'uchar', false]);
  });

  it('keeps the alpha of a 16-bit grey+alpha PNG, at 8 bits, in a PNG', async () => {
    const out = await renderVariant(shippedFixture('bggn4a16.png'), { fmt: 'png', q: 75 });
    const meta = await metadataOf(out.body);
    expect([meta.space, meta.depth, meta.hasAlpha]).toEqual(['srgb', 'uchar', true]);
  });
});
