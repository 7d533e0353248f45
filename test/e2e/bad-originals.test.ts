/**
 * Every bad original, uploaded and then requested through the local stack,
 * gets a clear 4xx within a bounded time, and the stack keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corruptHeaderJpeg,
  gifFrames,
  heicBytes,
  jpegSofBomb,
  pdfBytes,
  pngBomb,
  svgWithExternalRef,
  truncatedJpeg,
  webpBomb,
} from '../fixtures/generate.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

/**
 * A hang guard, not a speed target (those live in the benchmarks): every
 * refusal here is decided from the header in milliseconds.
 */
const BOUNDED_MS = 5_000;

const BAD: ReadonlyArray<readonly [name: string, file: string, bytes: () => Buffer | Promise<Buffer>, status: string]> = [
  ['a truncated JPEG', 'truncated.jpg', truncatedJpeg, '422'],
  ['a JPEG with a corrupt header', 'corrupt.jpg', corruptHeaderJpeg, '422'],
  ['a 65536×65536 PNG bomb', 'bomb.png', () => pngBomb(), '422'],
  ['a JPEG whose header claims huge dimensions', 'bomb.jpg', jpegSofBomb, '422'],
  ['a WebP claiming 16383×16383', 'bomb.webp', webpBomb, '422'],
  ['a GIF with 5000 frames', 'frames.gif', () => gifFrames(5000), '422'],
  ['an SVG with an external reference, named .png', 'logo.png', svgWithExternalRef, '415'],
  ['a PDF named .jpg', 'doc.jpg', pdfBytes, '415'],
  ['a HEIC named .avif', 'phone.avif', heicBytes, '415'],
  ['an empty file', 'empty.jpg', () => Buffer.alloc(0), '415'],
];

describe('bad originals on the local stack', () => {
  let running: RunningStack;

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
  });
  afterAll(() => running.stop());

  it.each(BAD)('answers %s (uploaded as %s) with a clear %s', async (_name, file, bytes, status) => {
    expect((await upload(running, `demo/bad/${file}`, await bytes())).status).toBe(201);
    const started = performance.now();
    const res = await running.request(`/demo/bad/${file}?w=640&fmt=webp`);
    const elapsed = performance.now() - started;
    expect(String(res.status)).toBe(status);
    expect((await res.text()).length).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(BOUNDED_MS);
  });

  it('keeps serving good images after all of them', async () => {
    const res = await running.request('/demo/samples/landscape.jpg?w=256&fmt=jpeg');
    expect(res.status).toBe(200);
  });
});
