/**
 * Table 6: the local stack end to end. autocannon (in its own process) on the
 * hit path and on the miss path, each next to a baseline from the same run: a
 * bare Node HTTP server sending the same bytes (the machine's ceiling) for
 * hits, the hit path for misses. Then uploads of a 3 MP original until every
 * standard variant is stored, next to rendering those variants back to back
 * in-process (the compute alone).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_LADDER, QUALITY_STEPS, STANDARD_WIDTHS } from '../../core/index.ts';
import { photoPixels } from '../fixtures/generate.ts';
import { startTestStack, upload, type RunningStack } from '../support/local-stack.ts';
import type { LoadJob, LoadResult } from './load-child.ts';
import { runTsChild } from './processes.ts';
import { independent } from './pyramid.ts';
import { summarize, timeRuns } from './stats.ts';
import { ratio, type BenchTable, type Cell } from './table.ts';
import { shuffled } from '../support/shuffle.ts';

const LOAD_CHILD = join(import.meta.dirname, 'load-child.ts');
const HIT_PATH = '/demo/samples/landscape.jpg?w=640&fmt=webp';

/** Every miss a key nobody asked for yet: the ladder's widths × heights × two formats × the quality steps, shuffled. */
function coldPaths(): string[] {
  const paths: string[] = [];
  for (const w of DEFAULT_LADDER.slice(0, 9)) for (const h of DEFAULT_LADDER.slice(0, 9)) for (const fmt of ['jpeg', 'webp']) for (const q of QUALITY_STEPS) paths.push(`/demo/samples/landscape.jpg?w=${w}&h=${h}&fmt=${fmt}&q=${q}`);
  return shuffled(paths, 7);
}

async function bareServer(body: Buffer, contentType: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': contentType, 'content-length': body.length }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const loadRow = (name: string, r: LoadResult, baseline: LoadResult): Cell[] => [name, r.requests, r.rps, ratio(r.rps, baseline.rps), r.p50, r.p99, r.non2xx + r.errors];

async function loadTable(running: RunningStack, seconds: number): Promise<BenchTable> {
  const warm = await running.request(HIT_PATH);
  const body = Buffer.from(await warm.arrayBuffer());
  const bare = await bareServer(body, warm.headers.get('content-type') ?? 'image/webp');
  try {
    const hitJob: LoadJob = { url: running.url, paths: [HIT_PATH], connections: 50, seconds };
    const bareResult = await runTsChild<LoadResult>(LOAD_CHILD, { ...hitJob, url: bare.url });
    const hits = await runTsChild<LoadResult>(LOAD_CHILD, hitJob);
    const misses = await runTsChild<LoadResult>(LOAD_CHILD, { url: running.url, paths: coldPaths(), connections: 8, seconds });
    return {
      title: `6. Local stack under load (autocannon, ${seconds} s each, ${body.length.toLocaleString('en-US')}-byte WebP for hits)`,
      columns: ['path', 'requests', 'req/s', 'vs baseline', 'p50 ms', 'p99 ms', 'errors'],
      rows: [
        loadRow('bare Node server, same bytes (baseline)', bareResult, bareResult),
        loadRow('hit: viewer function + edge cache, 50 conns', hits, bareResult),
        loadRow('miss: render on every request, 8 conns', misses, hits),
      ],
      notes: ['The miss row is compared with the hit row: every request a new key (w×h×fmt×q), rendered by the origin handler.'],
    };
  } finally {
    await bare.close();
  }
}

async function uploadTable(running: RunningStack, uploads: number): Promise<BenchTable> {
  const [width, height] = [2121, 1414];
  const original = await sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  const samples: number[] = [];
  for (let i = 0; i < uploads; i++) {
    const start = performance.now();
    const res = await upload(running, `demo/bench/upload-${i}.jpg`, original, 'image/jpeg');
    if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
    await running.stack.pipeline.settled();
    samples.push(performance.now() - start);
  }
  const compute = summarize(await timeRuns(() => independent(original, STANDARD_WIDTHS), uploads));
  const all = summarize(samples);
  return {
    title: `6b. Upload of a ${width}×${height} JPEG (${Math.round(original.length / 1024)} KB) until all ${STANDARD_WIDTHS.length * 3} standard variants are stored`,
    columns: ['measure', 'runs', 'first ms', 'p50 ms', 'vs compute alone'],
    rows: [
      ['12 renders back to back, in-process (baseline)', uploads, NaN, compute.p50, '1.00×'],
      ['upload → upload + render workflows → variants', uploads, samples[0] as number, all.p50, ratio(all.p50, compute.p50)],
    ],
    notes: ['The pipeline renders 4 variants at a time (Map MaxConcurrency 4) on 2 cores; the first upload includes warm-up.'],
  };
}

export async function endToEndTables(quick: boolean): Promise<BenchTable[]> {
  const running = await startTestStack();
  try {
    await running.stack.pipeline.settled();
    return [await loadTable(running, quick ? 1 : 5), await uploadTable(running, quick ? 1 : 4)];
  } finally {
    await running.stop();
  }
}
