/**
 * The originals the transform benchmarks render: one per kind of work a real
 * image CDN sees. Generated (photo-like pixels, fixed seed), so they carry no
 * licence and are the same on every machine.
 */
import sharp from 'sharp';
import { animatedGif, photoPixels } from '../fixtures/generate.ts';

export interface BenchFixture {
  readonly name: string;
  /** What it exercises, for the table. */
  readonly kind: string;
  readonly extension: string;
  load(): Promise<Buffer>;
}

const raw = (width: number, height: number) => sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } });

/** Full size: a phone photo, its EXIF-rotated twin, a CMYK print file, an alpha PNG, an animation, a 24 MP camera photo. */
export function benchFixtures(quick: boolean): BenchFixture[] {
  const [w, h] = quick ? [600, 400] : [2400, 1600];
  const fixtures: BenchFixture[] = [
    { name: 'photo', kind: `${w}×${h} JPEG q90`, extension: 'jpg', load: () => raw(w, h).jpeg({ quality: 90 }).toBuffer() },
    {
      name: 'exif',
      kind: `${h}×${w} JPEG, Orientation 6`,
      extension: 'jpg',
      load: () => raw(h, w).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer(),
    },
    { name: 'cmyk', kind: `${w}×${h} CMYK JPEG + profile`, extension: 'jpg', load: () => raw(w, h).withIccProfile('cmyk').jpeg({ quality: 90 }).toBuffer() },
    { name: 'alpha', kind: `${w}×${h} RGBA PNG`, extension: 'png', load: () => raw(w, h).ensureAlpha(0.6).png().toBuffer() },
    { name: 'animated', kind: '480×360 GIF, 10 frames', extension: 'gif', load: () => animatedGif(10, 480, 360) },
  ];
  if (!quick) fixtures.push({ name: 'large', kind: '6000×4000 JPEG q90 (24 MP)', extension: 'jpg', load: () => raw(6000, 4000).jpeg({ quality: 90 }).toBuffer() });
  return quick ? fixtures.slice(0, 2) : fixtures;
}
