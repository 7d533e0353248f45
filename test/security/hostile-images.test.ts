/**
 * Hostile and broken originals (test/fixtures/hostile-images.ts) on both
 * paths that decode an original: the origin-request handler rendering on a
 * miss, and the upload validation task. Each gets the same clear refusal on
 * both, within a bounded time, and nothing is stored for it; the peak memory
 * of rendering all of them, and the largest originals we accept, is measured
 * in a process of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyToUri, type VariantParams } from '../../core/index.ts';
import { createOriginRequestHandler } from '../../edge/origin/origin-request.ts';
import { MAX_ANIMATION_PIXELS, MAX_SOURCE_PIXELS, renderVariant } from '../../core/transform/index.ts';
import { s3EventKey, useLocalDynamo } from '../support/tasks.ts';
import { createValidateOriginalTask } from '../../tasks/validate-original/task.ts';
import { runTsChild } from '../bench/processes.ts';
import { animatedGif, bilevelPng } from '../fixtures/generate.ts';
import { HOSTILE_IMAGES, type HostileImage } from '../fixtures/hostile-images.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { originEvent } from './origin-event.ts';

/** A hang guard per original, not a speed target: every refusal is decided from the header in milliseconds. */
const BOUNDED_MS = 5_000;
/**
 * Peak RSS of a process that renders every hostile original and then the largest
 * originals we accept (a 50 MP still in three formats, a 40 MP animation). The
 * smallest function that renders is validate-original, with 2048 MB
 * (infra/aws/stacks/pipeline.ts); this bound keeps three quarters of it free.
 */
const MAX_RENDER_PEAK_RSS_BYTES = 512 * 1024 * 1024;
const PARAMS: VariantParams = { fmt: 'webp', q: 75, w: 640 };

const local = useLocalDynamo();
const refusals = HOSTILE_IMAGES.filter((image) => image.status !== 200);

function expectAnswer(image: HostileImage, status: number, message: string) {
  expect(status, `${image.name}: ${message}`).toBe(image.status);
  if (image.reason) expect(message).toMatch(image.reason);
}

describe('hostile originals through the origin handler (render on a miss)', () => {
  it.each(HOSTILE_IMAGES.map((image) => [image.name, image] as const))('answers %s clearly, in bounded time, storing nothing it refuses', async (_name, image) => {
    const key = `demo/hostile/${image.file}`;
    const originals = new MemoryStore('originals');
    const variants = new MemoryStore('variants');
    originals.objects.set(key, { body: await image.bytes(), contentType: 'application/octet-stream', cacheControl: undefined });
    const handler = createOriginRequestHandler({ variants, originals: [{ region: 'us-east-1', store: originals }], render: renderVariant, log: () => undefined });
    const started = performance.now();
    const result = (await handler(originEvent(keyToUri(key), 'fmt=webp&q=75&w=640', 'render'))) as CloudFrontResultResponse;
    expect(performance.now() - started).toBeLessThan(BOUNDED_MS);
    expectAnswer(image, Number(result.status), image.status === 200 ? '' : String(result.body));
    expect(variants.objects.size).toBe(image.status === 200 ? 1 : 0);
  });
});

describe('hostile originals through the upload validation', () => {
  const validate = async (image: HostileImage) => {
    const key = `demo/hostile/${image.file}`;
    const uploads = new MemoryStore('uploads');
    uploads.objects.set(key, { body: await image.bytes(), contentType: undefined, cacheControl: undefined });
    const handler = createValidateOriginalTask({ uploads })((await local.runtime()).runtime);
    const event = { bucket: 'uploads', key: s3EventKey(key), etag: 'e1', size: 1, sequencer: '10', executionName: 'upload-1' };
    return handler(event, { getRemainingTimeInMillis: () => 60_000 });
  };

  it.each(refusals.map((image) => [image.name, image] as const))('rejects %s with the reason the renderer gives, in bounded time', async (_name, image) => {
    const rendered = await renderVariant(await image.bytes(), PARAMS).then(
      () => 'rendered',
      (err: Error) => err.message,
    );
    const started = performance.now();
    await expect(validate(image)).rejects.toMatchObject({ name: 'OriginalRejected', message: rendered });
    expect(performance.now() - started).toBeLessThan(BOUNDED_MS);
  });

  it.each(HOSTILE_IMAGES.filter((image) => image.status === 200).map((image) => [image.name, image] as const))('accepts %s, as the renderer does', async (_name, image) => {
    await expect(validate(image)).resolves.toMatchObject({ key: `demo/hostile/${image.file}` });
  });
});

describe('peak memory of rendering', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgedge-peak-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The largest originals we accept, each at a limit: what bounds memory is these, not the refused ones. */
  async function largestAccepted(): Promise<Array<{ file: string; bytes: Buffer; params: VariantParams }>> {
    const side = Math.floor(Math.sqrt(MAX_SOURCE_PIXELS)); // 7071 × 7071 = 49,999,041 px
    const still = sharp({ create: { width: side, height: side, channels: 3, background: { r: 90, g: 125, b: 154 } } });
    return [
      { file: 'max.png', bytes: await still.clone().png({ compressionLevel: 1 }).toBuffer(), params: { fmt: 'webp', q: 75, w: 1920 } },
      { file: 'max.jpg', bytes: await still.clone().jpeg().toBuffer(), params: { fmt: 'jpeg', q: 75, w: 3840 } },
      { file: 'max-bilevel.png', bytes: bilevelPng(10_000, 5_000), params: { fmt: 'png', q: 75, w: 1920 } },
      { file: 'max-animation.gif', bytes: await animatedGif(MAX_ANIMATION_PIXELS / 500 / 500, 500, 500), params: { fmt: 'webp', q: 75, w: 500 } },
    ];
  }

  it(`stays under ${MAX_RENDER_PEAK_RSS_BYTES / 2 ** 20} MiB for every hostile original and the largest accepted ones`, async () => {
    const files: Array<{ path: string; params: VariantParams }> = [];
    for (const image of HOSTILE_IMAGES) {
      const path = join(dir, image.file);
      writeFileSync(path, await image.bytes());
      files.push({ path, params: PARAMS });
    }
    const accepted = await largestAccepted();
    for (const { file, bytes, params } of accepted) {
      const path = join(dir, file);
      writeFileSync(path, bytes);
      files.push({ path, params });
    }
    const report = await runTsChild<{ baselineRssBytes: number; peakRssBytes: number; outcomes: Array<{ path: string; status: number; ms: number }> }>(
      'test/security/render-peak-child.ts',
      { files },
    );
    expect(report.outcomes.map((outcome) => outcome.status)).toEqual([...HOSTILE_IMAGES.map((image) => image.status), ...accepted.map(() => 200)]);
    expect(report.peakRssBytes).toBeLessThan(MAX_RENDER_PEAK_RSS_BYTES);
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.info(
      `render peak RSS ${mib(report.peakRssBytes)} (process after loading sharp: ${mib(report.baselineRssBytes)}); ` +
        `slowest ${JSON.stringify(report.outcomes.sort((a, b) => b.ms - a.ms).slice(0, 3).map((o) => `${o.path.split('/').pop()} ${o.ms} ms`))}`,
    );
  }, 120_000);
});
