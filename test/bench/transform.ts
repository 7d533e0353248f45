/**
 * Table 1: transform throughput and latency per fixture, this project's
 * transformer against a naive sharp pipeline and Debian's vipsthumbnail,
 * plus the AVIF single-core latency goal.
 */
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_QUALITY, type OutputFormat } from '../../core/index.ts';
import { commandExists, runTsChild, timedCommand } from './processes.ts';
import { summarize } from './stats.ts';
import { megabytes, ratio, type BenchTable, type Cell } from './table.ts';
import type { TransformCell, TransformChildResult, TransformJob } from './transform-child.ts';
import { APPROACHES, type ApproachName } from './transform-approaches.ts';
import { benchFixtures, type BenchFixture } from './transform-fixtures.ts';

const CHILD = join(import.meta.dirname, 'transform-child.ts');
const FORMATS: readonly OutputFormat[] = ['jpeg', 'webp', 'avif'];
/** vipsthumbnail is given this many copies per call, so its process start-up is shared as in a batch job. */
const VIPS_BATCH = 10;
const VIPS_VERSION = commandExists('vips') ? spawnSync('vips', ['--version'], { encoding: 'utf8' }).stdout.trim() : 'libvips';
const AVIF_P95_GOAL_MS = 150;
/** vipsthumbnail's output spec per format; Debian's 8.14 CLI knows AVIF only as HEIF with the AV1 codec. */
const VIPS_OUTPUT: Record<OutputFormat, string> = {
  jpeg: `jpg[Q=${DEFAULT_QUALITY},strip]`,
  webp: `webp[Q=${DEFAULT_QUALITY},strip]`,
  avif: `heif[compression=av1,Q=${DEFAULT_QUALITY},strip]`,
  png: 'png[strip]',
};

interface Measured {
  readonly approach: string;
  readonly cells: TransformCell[];
  readonly peakRssBytes: number;
  /** vipsthumbnail's batches give a mean per image, not a latency per image. */
  readonly latencies: boolean;
}

const approach = (measured: readonly Measured[], name: string): Measured => measured.find((m) => m.approach === name) as Measured;
/** Images per second over every sample of `cells`, one render at a time. */
const imagesPerSecond = (cells: readonly TransformCell[]): number => {
  const samples = cells.flatMap((c) => c.samplesMs);
  return (samples.length * 1000) / samples.reduce((a, b) => a + b, 0);
};
const meanKb = (cells: readonly TransformCell[]): number => cells.reduce((sum, c) => sum + c.bytes, 0) / cells.length / 1024;

export async function transformTables(quick: boolean): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'imgedge-bench-'));
  const fixtures = benchFixtures(quick);
  const sources = await Promise.all(
    fixtures.map(async (fixture) => {
      const path = join(dir, `${fixture.name}.${fixture.extension}`);
      writeFileSync(path, await fixture.load());
      return { name: fixture.name, path };
    }),
  );
  // Rungs of the default ladder (what a normalized request renders), from thumbnail to laptop.
  const widths = quick ? [384] : [256, 640, 1080];
  const formats = quick ? (['jpeg'] as const) : FORMATS;
  const iterations = quick ? 1 : 3;

  const measured: Measured[] = [];
  for (const approach of Object.keys(APPROACHES) as ApproachName[]) {
    const job: TransformJob = { approach, sources, formats, widths, iterations };
    const result = await runTsChild<TransformChildResult>(CHILD, job);
    measured.push({ approach, ...result, latencies: true });
  }
  const vips = commandExists('vipsthumbnail') ? vipsthumbnail(sources, formats, widths, dir) : undefined;
  if (vips) measured.push(vips);

  const perFixture: BenchTable = {
    title: `1. Transform, per fixture (widths ${widths.join(', ')}; ${iterations} run(s) per width; mean output size)`,
    columns: ['fixture', 'format', 'approach', 'images/s', 'p50 ms', 'p95 ms', 'mean KB'],
    rows: fixtures.flatMap((fixture) =>
      formats.flatMap((format) =>
        measured.map((m): Cell[] => {
          const cells = m.cells.filter((c) => c.fixture === fixture.name && c.format === format);
          const s = summarize(cells.flatMap((c) => c.samplesMs));
          return [`${fixture.name}`, format, m.approach, imagesPerSecond(cells), m.latencies ? s.p50 : NaN, m.latencies ? s.p95 : NaN, meanKb(cells)];
        }),
      ),
    ),
    notes: fixtures.map((f) => `${f.name}: ${f.kind}`),
  };

  const throughput = (m: Measured, format?: OutputFormat) => imagesPerSecond(m.cells.filter((c) => !format || c.format === format));
  const naive = approach(measured, 'naive sharp');
  const summaryRow = (m: Measured, format?: OutputFormat): Cell[] => {
    const images = throughput(m, format);
    return [
      m.approach,
      format ?? 'all',
      images,
      ratio(images, throughput(naive, format)),
      vips ? ratio(images, throughput(vips, format)) : '—',
      meanKb(m.cells.filter((c) => !format || c.format === format)),
      format ? NaN : megabytes(m.peakRssBytes),
    ];
  };
  const summary: BenchTable = {
    title: '1b. Transform, all fixtures and widths, per format',
    columns: ['approach', 'format', 'images/s', 'vs naive sharp', 'vs vipsthumbnail', 'mean KB', 'peak RSS MB'],
    rows: [...formats, undefined].flatMap((format) => measured.map((m) => summaryRow(m, format))),
    notes: [
      'Goal: imgedge ≥ 3× naive sharp and ≥ 0.9× vipsthumbnail on throughput. Against naive sharp the gain is the decode that shrink-on-load skips, so it grows with the scale factor: see 1c.',
      'naive sharp: decode in full, resize, encode, with the same encoders and settings as imgedge (mozjpeg, WebP effort 4, AVIF effort 2): only the pipeline differs.',
      'imgedge keeps animations animated in WebP (all 10 frames); the others write the first frame only.',
      vips
        ? `vipsthumbnail (Debian ${VIPS_VERSION}): ${VIPS_BATCH} copies per call (start-up shared), libjpeg-turbo and libheif's AV1 defaults at Q=${DEFAULT_QUALITY}, metadata stripped.`
        : 'vipsthumbnail: not installed (apt-get install libvips-tools), column skipped.',
      'Peak RSS: each approach runs in its own process; the figure includes Node.js itself (~50 MB).',
    ],
    measured: {
      meanRenderMs: {
        value: 1000 / throughput(approach(measured, 'imgedge')),
        basis: `npm run bench table 1b: imgedge's mean over ${fixtures.length} fixtures × ${formats.join('/')} × ${widths.join('/')} px, one render at a time on ${availableParallelism()} cores of this machine (Lambda at 3008 MB has 2 vCPUs)`,
      },
    },
  };
  return [perFixture, summary, scaleTable(measured, fixtures[fixtures.length - 1] as BenchFixture, widths), await avifSingleCore(sources, quick)];
}

/**
 * Where the pipelines differ: shrink-on-load saves decode work in proportion to
 * the scale factor, while both pay the same encode. The ratio to naive sharp per
 * width, on the largest fixture, shows how much the overall figure depends on the mix.
 */
function scaleTable(measured: readonly Measured[], fixture: BenchFixture, widths: readonly number[]): BenchTable {
  const meanMs = (name: string, width: number) => 1000 / imagesPerSecond(approach(measured, name).cells.filter((c) => c.fixture === fixture.name && c.width === width));
  return {
    title: `1c. imgedge vs naive sharp by output width, ${fixture.name} fixture (${fixture.kind}), all formats`,
    columns: ['width', 'imgedge mean ms', 'naive sharp mean ms', 'imgedge speed-up'],
    rows: widths.map((width) => [width, meanMs('imgedge', width), meanMs('naive sharp', width), ratio(meanMs('naive sharp', width), meanMs('imgedge', width))]),
    notes: ['JPEG shrinks by 2, 4 or 8 in the DCT only when the scale factor reaches it; the encode of the output is the same work in both.'],
  };
}

function vipsthumbnail(sources: ReadonlyArray<{ name: string; path: string }>, formats: readonly OutputFormat[], widths: readonly number[], dir: string): Measured {
  const cells: TransformCell[] = [];
  let peakRssBytes = 0;
  const out = join(dir, 'vips-out');
  mkdirSync(out, { recursive: true });
  for (const source of sources) {
    const copies = Array.from({ length: VIPS_BATCH }, (_, i) => {
      const copy = join(dir, `${source.name}-${i}${source.path.slice(source.path.lastIndexOf('.'))}`);
      try {
        linkSync(source.path, copy);
      } catch {
        // already linked by an earlier format
      }
      return copy;
    });
    for (const format of formats) {
      for (const width of widths) {
        const run = timedCommand('vipsthumbnail', [...copies, '--size', `${width}x`, '-o', `${out}/%s.${VIPS_OUTPUT[format]}`]);
        peakRssBytes = Math.max(peakRssBytes, run.peakRssBytes);
        const outputs = readdirSync(out).map((name) => statSync(join(out, name)).size);
        rmSync(out, { recursive: true });
        mkdirSync(out);
        const bytes = outputs.reduce((a, b) => a + b, 0) / outputs.length;
        cells.push({ fixture: source.name, format, width, samplesMs: Array<number>(VIPS_BATCH).fill(run.ms / VIPS_BATCH), bytes });
      }
    }
  }
  return { approach: 'vipsthumbnail', cells, peakRssBytes, latencies: false };
}

/** The latency goal: AVIF at 320–640 px (the ladder's rungs there: 384, 640), p95 ≤ 150 ms on one core (taskset), this project's transformer. */
async function avifSingleCore(sources: ReadonlyArray<{ name: string; path: string }>, quick: boolean): Promise<BenchTable> {
  const pinned = commandExists('taskset');
  const job: TransformJob = { approach: 'imgedge', sources: sources.slice(0, 1), formats: ['avif'], widths: quick ? [384] : [384, 640], iterations: quick ? 2 : 15 };
  const result = await runTsChild<TransformChildResult>(CHILD, job, pinned ? ['taskset', '-c', '0'] : []);
  const rows = result.cells.map((cell): Cell[] => {
    const s = summarize(cell.samplesMs);
    return [cell.width, s.p50, s.p95, s.p95 <= AVIF_P95_GOAL_MS ? 'met' : 'missed'];
  });
  return {
    title: `1d. AVIF, photo fixture, ${pinned ? 'one core (taskset -c 0)' : 'all cores (taskset not found)'}`,
    columns: ['width', 'p50 ms', 'p95 ms', `goal p95 ≤ ${AVIF_P95_GOAL_MS} ms`],
    rows,
  };
}
