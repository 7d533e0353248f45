import { describe, expect, it } from 'vitest';
import { UnsupportedSource } from '../errors.ts';
import { heicBytes, lyingFiles, pdfBytes, sampleImage, shippedFixture, svgWithExternalRef } from '../../test/fixtures/generate.ts';
import { sniffFormat } from './sniff.ts';

describe('sniffFormat', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)('recognises a %s by its magic number', async (format) => {
    expect(sniffFormat(await sampleImage(format))).toBe(format);
  });

  it('recognises animated GIF and WebP and a 16-bit PNG', () => {
    expect(sniffFormat(shippedFixture('animated-loop-3.gif'))).toBe('gif');
    expect(sniffFormat(shippedFixture('animated-loop-3.webp'))).toBe('webp');
    expect(sniffFormat(shippedFixture('bggn4a16.png'))).toBe('png');
  });

  it('believes the bytes, not the extension', async () => {
    const [pngNamedJpg, jpegNamedPng] = await lyingFiles();
    expect(pngNamedJpg?.name).toBe('holiday.jpg');
    expect(sniffFormat(pngNamedJpg!.bytes)).toBe('png');
    expect(sniffFormat(jpegNamedPng!.bytes)).toBe('jpeg');
  });

  it('refuses SVG with 415 without handing it to any decoder', () => {
    // sniffFormat is synchronous and pure: throwing here means sharp never saw the bytes.
    expect(() => sniffFormat(svgWithExternalRef())).toThrow(UnsupportedSource);
    expect(() => sniffFormat(svgWithExternalRef())).toThrow(/SVG is not accepted/);
  });

  it('refuses SVG behind a byte-order mark, whitespace or a comment', () => {
    for (const text of ['\uFEFF<svg xmlns="http://www.w3.org/2000/svg"/>', '\n\n  <svg/>', '<!-- logo --><svg width="1"></svg>']) {
      expect(() => sniffFormat(Buffer.from(text))).toThrow(/SVG is not accepted/);
    }
  });

  it('refuses SVG bytes uploaded as logo.png', async () => {
    const lying = (await lyingFiles()).find((f) => f.actually === 'svg')!;
    expect(lying.name).toBe('logo.png');
    expect(() => sniffFormat(lying.bytes)).toThrow(UnsupportedSource);
  });

  it.each([
    ['PDF', pdfBytes(), /PDF is not accepted/],
    ['HEIC', heicBytes(), /HEIC is not accepted/],
    ['a JPEG 2000 codestream', Buffer.from([0xff, 0x4f, 0xff, 0x51, 0, 0x2f, 0, 0]), /JPEG 2000 is not accepted/],
    ['plain text', Buffer.from('hello, this is not an image'), /unsupported image type/],
    ['an empty file', Buffer.alloc(0), /empty file/],
    ['a lone JPEG SOI marker', Buffer.from([0xff, 0xd8]), /unsupported image type/],
    ['BigTIFF', Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]), /unsupported image type/],
  ])('refuses %s with 415', (_name, bytes, message) => {
    let thrown: unknown;
    try {
      sniffFormat(bytes);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnsupportedSource);
    expect((thrown as UnsupportedSource).status).toBe(415);
    expect((thrown as Error).message).toMatch(message);
  });

  it('finds the avif brand among compatible brands, not only as major brand', () => {
    const ftyp = Buffer.alloc(32);
    ftyp.writeUInt32BE(32, 0);
    ftyp.write('ftypmif1', 4, 'latin1');
    ftyp.write('mif1miafavifMA1B', 16, 'latin1');
    expect(sniffFormat(ftyp)).toBe('avif');
  });
});
