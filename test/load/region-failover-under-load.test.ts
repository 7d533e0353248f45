/**
 * A slow machine is not a failing region (issue 20): with every core kept busy
 * by other processes for the whole run and no fault injected, a replay at the
 * edge (misses and hits, of a small original and of a large one whose body
 * takes a while to stream from a starved S3 stand-in) during a bulk upload
 * through the pipeline fails no region over (`regionFailovers` in
 * /_local/stats stays 0) and every request and every render execution
 * succeeds. Before, the 3 s a region had covered the whole body and every
 * stall of the event loop: a bulk upload with all regions healthy failed over
 * 2,644 times, a 100k replay 80 times.
 *
 * Its size is what about a minute on 2 cores affords: 36 misses at the edge
 * (12 of them of a 6 MB original), each asked again as a hit, while 3 uploads
 * of that original have their 36 standard variants rendered, each from a read
 * of it. Replay and upload run at once, so each loads the other's reads as a
 * real bulk upload loads the edge. With the fix reverted (each region read
 * bounded by 3 s of wall clock, body and stalls included, as before), that
 * size failed over 60, 108 and 140 times in three runs, in the edge's reads
 * and the render task's alike: far from the one false failover it takes.
 *
 * It runs alone, after the rest of the suite (the `load` project,
 * vitest.config.ts): beside other files its busy cores would starve them, and
 * they would add load of their own to its.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { byRegion, DEFAULT_LADDER, DEFAULT_QUALITY, QUALITY_STEPS } from '../../core/index.ts';
import { REGION_FAILED_MESSAGE } from '../../core/storage/index.ts';
import { MAX_CONCURRENCY } from '../../infra/local/node-lambda.ts';
import { photoPixels } from '../fixtures/generate.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';
import { shuffled } from '../support/shuffle.ts';

const SMALL_MISSES = 24;
const LARGE_MISSES = 12;
const UPLOADS = 3;
const TIMEOUT_MS = 240_000;
const SEED = 20;

/** Every core busy, in processes of their own: CPU contention the stack cannot see as its own work. */
function loadEveryCore(): ChildProcess[] {
  return Array.from({ length: Math.max(2, os.availableParallelism()) }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
function stop(children: ChildProcess[]) {
  for (const child of children.splice(0)) child.kill('SIGKILL');
}

async function photo(width: number, height: number): Promise<Buffer> {
  return sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

/**
 * `count` distinct variant URLs of `path`: the ladder's widths × a few heights × two formats × the
 * quality steps but the default one, so that none is a variant the pipeline pre-rendered.
 */
function variantUrls(path: string, count: number): string[] {
  const urls: string[] = [];
  for (const w of DEFAULT_LADDER) {
    for (const h of [0, 150, 300]) {
      for (const fmt of ['jpeg', 'webp']) for (const q of QUALITY_STEPS) if (q !== DEFAULT_QUALITY) urls.push(`/${path}?w=${w}${h ? `&h=${h}` : ''}&fmt=${fmt}&q=${q}`);
    }
  }
  return shuffled(urls, SEED).slice(0, count);
}

/**
 * Each of `urls` asked twice (a miss, then a hit), as many at a time as the origin-request
 * function runs. The answers by status, and what every answer but a 200 said.
 */
async function replay(running: RunningStack, urls: readonly string[]): Promise<{ statuses: Record<number, number>; failures: string[] }> {
  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  const queue = [...urls, ...urls];
  await Promise.all(
    Array.from({ length: MAX_CONCURRENCY }, async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        const res = await running.request(url);
        const body = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status !== 200) failures.push(`${url}: ${res.status} ${body.slice(0, 200)}`);
      }
    }),
  );
  return { statuses, failures };
}

let busy: ChildProcess[] = [];
afterEach(() => stop(busy));

describe('under full CPU load, with every region healthy', () => {
  let running: RunningStack | undefined;
  let large: Buffer;
  /** Every failover the origin handler and the render task logged, with its reason. */
  const failovers: string[] = [];

  beforeAll(async () => {
    running = await startTestStack({ log: (entry) => void (entry.message === REGION_FAILED_MESSAGE && failovers.push(JSON.stringify(entry))) });
    large = await photo(6000, 4000);
    expect((await upload(running, 'demo/load/large.jpg', large, 'image/jpeg')).status).toBe(201);
    await settled(running); // the seeded originals' and this one's pre-renders: not part of the load
  }, TIMEOUT_MS);
  afterAll(() => running?.stop());

  it(
    'a replay at the edge during a bulk upload fails no region over, and every request and render succeeds',
    async () => {
      const stack = running!;
      const urls = shuffled([...variantUrls('demo/samples/landscape.jpg', SMALL_MISSES), ...variantUrls('demo/load/large.jpg', LARGE_MISSES)], SEED);
      const before = stack.stack.stats();

      busy = loadEveryCore();
      const [edge, uploads] = await Promise.all([
        replay(stack, urls),
        Promise.all(Array.from({ length: UPLOADS }, (_, i) => upload(stack, `demo/bulk/u-${i}.jpg`, large, 'image/jpeg'))),
      ]);
      await settled(stack);
      stop(busy);

      const stats = stack.stack.stats();
      expect(stats.regionFailovers, failovers.join('\n')).toEqual(byRegion(() => 0));
      expect(edge.statuses, edge.failures.join('\n')).toEqual({ 200: 2 * urls.length });
      expect(stats.renders - before.renders).toBeGreaterThanOrEqual(urls.length); // every first ask was a miss
      expect(uploads.map((res) => res.status)).toEqual(uploads.map(() => 201));
      const renders = ({ pipeline }: typeof stats) => pipeline.executions.render ?? { SUCCEEDED: 0, FAILED: 0 };
      expect(renders(stats).FAILED - renders(before).FAILED).toBe(0);
      expect(renders(stats).SUCCEEDED - renders(before).SUCCEEDED).toBe(UPLOADS);
    },
    TIMEOUT_MS,
  );
});
