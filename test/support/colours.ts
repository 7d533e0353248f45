/**
 * Originals of one solid colour and the colour an answer shows: how the freshness suites tell
 * an earlier upload's bytes from a later one's at any size and format.
 */
import sharp from 'sharp';
import { expect } from 'vitest';
import { parseVariantName } from '../../core/index.ts';
import type { RunningStack } from './local-stack.ts';

export type Colour = 'red' | 'green' | 'blue';
const RGB: Record<Colour, { r: number; g: number; b: number }> = { red: { r: 220, g: 20, b: 20 }, green: { r: 20, g: 200, b: 20 }, blue: { r: 20, g: 20, b: 220 } };

/** An 800 × 600 JPEG of `colour`. */
export const solidOriginal = (colour: Colour): Promise<Buffer> =>
  sharp({ create: { width: 800, height: 600, channels: 3, background: RGB[colour] } }).jpeg({ quality: 90 }).toBuffer();

/** The colour an answer shows: the channel that dominates its mean. */
export async function colourOf(body: Buffer): Promise<Colour> {
  const [r, g, b] = (await sharp(body).stats()).channels.map((channel) => channel.mean) as [number, number, number];
  return r > g && r > b ? 'red' : g > b ? 'green' : 'blue';
}

/** A variant URL's query and the Accept it is asked with. */
export type VariantUrl = readonly [query: string, accept: string];

export async function getVariant(running: RunningStack, key: string, [query, accept]: VariantUrl) {
  const res = await running.request(`/${key}${query}`, { headers: { accept } });
  return { status: res.status, cache: res.headers.get('x-cache'), body: Buffer.from(await res.arrayBuffer()), cacheControl: res.headers.get('cache-control') };
}

/** Every URL answers 200 in `colour`. */
export async function servesEverywhere(running: RunningStack, key: string, urls: readonly VariantUrl[], colour: Colour): Promise<void> {
  for (const url of urls) {
    const answer = await getVariant(running, key, url);
    expect(answer.status, url[0]).toBe(200);
    expect(await colourOf(answer.body), url[0]).toBe(colour);
  }
}

/** The variant names stored for `key` (undefined for an object that is not one of its variants). */
export async function variantNames(running: RunningStack, key: string) {
  const names = [];
  for await (const objectKey of running.stack.variants.list(`${key}/`)) names.push(parseVariantName(key, objectKey));
  return names;
}
