import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

/** The landscape sample as a JPEG of the given size, `shade` making each one's bytes differ. */
export async function photo(width: number, height: number, shade = 0): Promise<Buffer> {
  const landscape = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
  return sharp(landscape).resize(width, height).modulate({ brightness: 1 + shade / 100 }).jpeg({ quality: 85 }).toBuffer();
}
