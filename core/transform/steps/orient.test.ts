import { describe, expect, it } from 'vitest';
import { orientedJpeg, UPRIGHT, type Rgb } from '../../../test/fixtures/generate.ts';
import { colourDistance, metadataOf, pixelAt } from '../../../test/fixtures/pixels.ts';
import { renderVariant } from '../render.ts';

const NAMES: Record<number, string> = {
  1: 'already upright',
  2: 'mirrored left-right',
  3: 'upside down',
  4: 'mirrored top-bottom',
  5: 'transposed',
  6: 'turned 90° clockwise on its side',
  7: 'transversed',
  8: 'turned 90° anticlockwise on its side',
};

/** Quadrant centres of an output of `width`×`height`, with the colour the upright picture has there. */
function quadrants(width: number, height: number): Array<[x: number, y: number, colour: Rgb]> {
  const [l, r, t, b] = [Math.floor(width / 4), Math.floor((3 * width) / 4), Math.floor(height / 4), Math.floor((3 * height) / 4)];
  return [
    [l, t, UPRIGHT.topLeft],
    [r, t, UPRIGHT.topRight],
    [l, b, UPRIGHT.bottomLeft],
    [r, b, UPRIGHT.bottomRight],
  ];
}

describe('step: orient', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('turns an EXIF orientation %i photo upright', async (orientation) => {
    const out = await renderVariant(await orientedJpeg(orientation), { fmt: 'png', q: 75 });
    expect([out.width, out.height], NAMES[orientation]).toEqual([UPRIGHT.width, UPRIGHT.height]);
    for (const [x, y, colour] of quadrants(out.width, out.height)) {
      expect(colourDistance(await pixelAt(out.body, x, y), colour), `${NAMES[orientation]} at ${x},${y}`).toBeLessThan(24);
    }
  });

  it.each([5, 6, 7, 8])('turns an orientation %i photo upright while shrinking it to w=48', async (orientation) => {
    const out = await renderVariant(await orientedJpeg(orientation), { fmt: 'png', q: 75, w: 48 });
    expect([out.width, out.height]).toEqual([48, 32]);
    for (const [x, y, colour] of quadrants(out.width, out.height)) {
      expect(colourDistance(await pixelAt(out.body, x, y), colour)).toBeLessThan(32);
    }
  });

  it('leaves no Orientation tag behind to turn the image a second time', async () => {
    const out = await renderVariant(await orientedJpeg(6), { fmt: 'jpeg', q: 75 });
    const meta = await metadataOf(out.body);
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
  });
});
