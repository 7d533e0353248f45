/**
 * A bulk ingest through `imgedge upload` (its code, in this process) on the whole local stack:
 * distinct 1600×1200 JPEGs (a colour gradient and a little noise each, ~450 KB, as photos weigh)
 * uploaded 8 at a time, the originals bucket throttling the first few puts. Every PUT is answered
 * 201, or 503 with Retry-After and sent again until 201; no upload or render execution fails,
 * none of their invocations is throttled (the pipeline runs at most MAX_RUNNING_RENDERS renders
 * and MAX_RUNNING_UPLOADS uploads at once, the others wait: infra/local/pipeline.ts), and every
 * original ends with all its standard variants. Issue 17 saw 179 of 184 renders fail here.
 *
 * BULK_ORIGINALS originals in the suite (~2 min on 2 busy cores); the issue's 200 with
 * IMGEDGE_BULK_ORIGINALS=200 (4 min 21 s on 2 cores, peak RSS 1.16 GB: issue 17's closing note).
 * It waits for conditions only: the CLI follows each execution to its end, and the test's own
 * timeout is a backstop far past any run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailable, type ObjectStore } from '../../core/index.ts';
import { createOpsClient } from '../../infra/local/ops/index.ts';
import { MAX_RUNNING_RENDERS, MAX_RUNNING_UPLOADS } from '../../infra/local/pipeline.ts';
import { UPLOAD_RETRY_AFTER_SECONDS } from '../../infra/local/server.ts';
import { PRIMARY_REGION } from '../../infra/local/stack.ts';
import { upload } from '../../tools/cli/commands/upload.ts';
import { settled, startTestStack, type RunningStack } from '../support/local-stack.ts';

/** Originals in the suite's run; IMGEDGE_BULK_ORIGINALS sets another count (the 200). */
const BULK_ORIGINALS = Number(process.env.IMGEDGE_BULK_ORIGINALS ?? 24);
const CONCURRENCY = 8;
const [WIDTH, HEIGHT] = [1600, 1200];
/** The demo tenant's standard variants: 4 widths × 3 formats. */
const STANDARD_VARIANTS = 12;
/** Puts the originals bucket refuses first, as a throttled bucket would (StoreUnavailable: the API's 503). */
const THROTTLED_PUTS = 3;

/** A deterministic PRNG (mulberry32): the same n, the same image. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Original `n`: its own two colours, gradient angle and ripple, with sensor-like noise. */
async function bulkPhoto(n: number): Promise<Buffer> {
  const rnd = random(n + 1);
  const [r0, g0, b0, r1, g1, b1] = Array.from({ length: 6 }, () => rnd() * 255) as [number, number, number, number, number, number];
  const angle = rnd() * Math.PI * 2;
  const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
  const diagonal = Math.hypot(WIDTH, HEIGHT);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x - WIDTH / 2) * cx + (y - HEIGHT / 2) * cy) / diagonal));
      const ripple = 18 * Math.sin((x * cx - y * cy) / (23 + (n % 17)));
      const noise = (rnd() - 0.5) * 28;
      const i = (y * WIDTH + x) * 3;
      pixels[i] = clamp(r0 + (r1 - r0) * t + ripple + noise);
      pixels[i + 1] = clamp(g0 + (g1 - g0) * t - ripple + noise);
      pixels[i + 2] = clamp(b0 + (b1 - b0) * t + noise);
    }
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

interface Put {
  readonly key: string;
  readonly status: number;
  readonly retryAfter: string | null;
}

interface Summary {
  readonly files: number;
  readonly uploaded: number;
  readonly outcomes: ReadonlyArray<{ readonly key: string; readonly result: string; readonly variants?: number; readonly retries?: number }>;
}

describe(`a bulk ingest of ${BULK_ORIGINALS} originals through imgedge upload, ${CONCURRENCY} at a time`, () => {
  let running: RunningStack;
  let folder: string;
  const puts: Put[] = [];
  const printed: string[] = [];
  let failure: unknown;
  /** The most render and upload executions seen doing work (not waiting for a slot) at once. */
  const peak = { render: 0, upload: 0 };
  let rendersBefore = 0;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'imgedge-bulk-'));
    for (let n = 0; n < BULK_ORIGINALS; n++) await writeFile(join(folder, `photo-${String(n).padStart(3, '0')}.jpg`), await bulkPhoto(n));
    running = await startTestStack({ pipeline: { flushEveryMs: 0 } });
    await settled(running);
    rendersBefore = running.stack.stats().pipeline.renders;

    // The bucket throttles the first puts: the API answers them 503, and the CLI sends them again.
    const store = running.stack.originals[PRIMARY_REGION] as { put: ObjectStore['put'] };
    const put = store.put.bind(store);
    let refused = 0;
    store.put = async (...args) => {
      if (refused++ < THROTTLED_PUTS) throw new StoreUnavailable(`bucket ${running.stack.originals[PRIMARY_REGION].bucket} unavailable (SlowDown)`);
      return put(...args);
    };
    // Every PUT the CLI sends, as the stack answered it.
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if (init?.method === 'PUT' && url.includes('/_local/originals/')) puts.push({ key: decodeURIComponent(url.split('/_local/originals/')[1]!), status: res.status, retryAfter: res.headers.get('retry-after') });
      return res;
    };
    const executions = running.stack.pipeline.executions;
    const sampler = setInterval(() => {
      peak.render = Math.max(peak.render, executions.working('render'));
      peak.upload = Math.max(peak.upload, executions.working('upload'));
    }, 50);
    try {
      const ops = createOpsClient(running.url);
      await upload.run({ ops, endpoint: running.url, json: true, print: (line = '') => printed.push(line) }, { tenant: 'demo', prefix: 'bulk', concurrency: String(CONCURRENCY) }, [folder]);
    } catch (err) {
      failure = err;
    } finally {
      clearInterval(sampler);
      globalThis.fetch = realFetch;
      store.put = put;
    }
  }, 3_600_000);
  afterAll(async () => {
    await running?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('answers every PUT 201, or 503 with Retry-After that the CLI sent again until 201: never another 5xx', () => {
    const statuses = new Set(puts.map((p) => p.status));
    expect([...statuses].sort()).toEqual([201, 503]);
    const refused = puts.filter((p) => p.status === 503);
    expect(refused).toHaveLength(THROTTLED_PUTS);
    expect(refused.every((p) => p.retryAfter === String(UPLOAD_RETRY_AFTER_SECONDS))).toBe(true);
    const stored = puts.filter((p) => p.status === 201).map((p) => p.key);
    expect(new Set(stored).size).toBe(BULK_ORIGINALS);
    expect(stored).toHaveLength(BULK_ORIGINALS);
    for (const p of refused) expect(stored, p.key).toContain(p.key);
  });

  it('ends with every file ready with its variants, and the summary says so', () => {
    expect(failure).toBeUndefined();
    const summary = JSON.parse(printed.join('\n')) as Summary;
    expect(summary).toMatchObject({ files: BULK_ORIGINALS, uploaded: BULK_ORIGINALS });
    expect(summary.outcomes.map((o) => [o.result, o.variants])).toEqual(Array(BULK_ORIGINALS).fill(['ready', STANDARD_VARIANTS]));
    expect(summary.outcomes.filter((o) => o.retries !== undefined)).toHaveLength(THROTTLED_PUTS);
  });

  it('fails no upload or render execution, and throttles none of their invocations', () => {
    const executions = running.stack.pipeline.executions;
    const bulk = (machine: string) => executions.list({ stateMachine: machine }).filter((e) => JSON.stringify(e.input).includes('bulk/photo-'));
    for (const machine of ['upload', 'render']) {
      const list = bulk(machine);
      expect(list, machine).toHaveLength(BULK_ORIGINALS);
      expect(list.filter((e) => e.status !== 'SUCCEEDED').map((e) => `${e.name}: ${e.status} ${e.error} ${e.cause}`), machine).toEqual([]);
    }
    expect(running.stack.stats().renderSlots.throttled).toBe(0);
  });

  it(`ran at most MAX_RUNNING_RENDERS (${MAX_RUNNING_RENDERS}) renders and MAX_RUNNING_UPLOADS (${MAX_RUNNING_UPLOADS}) uploads at once, the others waiting`, () => {
    // At the edge and never past it (executions.test.ts shows one past it waiting).
    expect(peak.render).toBe(MAX_RUNNING_RENDERS);
    expect(peak.upload).toBeGreaterThan(0);
    expect(peak.upload).toBeLessThanOrEqual(MAX_RUNNING_UPLOADS);
  });

  it('stores every standard variant of every original once, each decodable as its format', async () => {
    expect(running.stack.stats().pipeline.renders - rendersBefore).toBe(BULK_ORIGINALS * STANDARD_VARIANTS);
    const ops = createOpsClient(running.url);
    for (let n = 0; n < BULK_ORIGINALS; n += Math.max(1, Math.floor(BULK_ORIGINALS / 4))) {
      const { variants } = await ops.variants(`demo/bulk/photo-${String(n).padStart(3, '0')}.jpg`);
      expect(variants).toHaveLength(STANDARD_VARIANTS);
      for (const variant of variants) {
        const object = await running.stack.variants.get(variant.key, { maxBytes: Number.MAX_SAFE_INTEGER });
        const { format } = await sharp(object!.body).metadata();
        expect(format === 'heif' ? 'avif' : format, variant.key).toBe(variant.params.fmt);
      }
    }
  });
});
