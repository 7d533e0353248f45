/**
 * Table 1: transform throughput and latency per fixture, this project's
 * transformer against a naive sharp pipeline and Debian's vipsthumbnail,
 * plus the AVIF single-core latency goal.
 */
import { linkSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputFormat } from '../../edge/contract/index.ts';
import { DEFAULT_QUALITY } from '../../edge/contract/limits.ts';
import { commandExists, runTsChild, timedCommand } from './processes.ts';
import { summarize } from './stats.ts';
import { megabytes, ratio, type BenchTable, type Cell } from './table.ts';
import type { TransformCell, TransformChildResult, TransformJob } from './transform-child.ts';
import { APPROACHES, type ApproachName } from './transform-approaches.ts';
import { benchFixtures } from './transform-fixtures.ts';

const CHILD = join(import.meta.dirname, 'transform-child.ts');
const FORMATS: readonly OutputFormat[] = ['jpeg', 'webp', 'avif'];
/** vipsthumbnail is given this many copies per call, so its process start-up is shared as in a batch job. */
const VIPS_BATCH = 10;
const AVIF_P95_GOAL_MS = 150;

interface Measured {
  readonly approach: string;
  readonly cells: TransformCell[];
  readonly peakRssBytes: number;
  /** vipsthumbnail's batches give a mean per image, not a latency per image. */
  readonly latencies: boolean;
}

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
  const widths = quick ? [320] : [320, 640, 1280];
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
          const samples = cells.flatMap((c) => c.samplesMs);
          const s = summarize(samples);
          const total = samples.reduce((a, b) => a + b, 0);
          const kb = cells.reduce((sum, c) => sum + c.bytes, 0) / cells.length / 1024;
          return [`${fixture.name}`, format, m.approach, (samples.length * 1000) / total, m.latencies ? s.p50 : NaN, m.latencies ? s.p95 : NaN, kb];
        }),
      ),
    ),
    notes: fixtures.map((f) => `${f.name}: ${f.kind}`),
  };

  const throughput = (m: Measured) => {
    const samples = m.cells.flatMap((c) => c.samplesMs);
    return (samples.length * 1000) / samples.reduce((a, b) => a + b, 0);
  };
  const naive = measured.find((m) => m.approach === 'naive sharp') as Measured;
  const summary: BenchTable = {
    title: '1b. Transform, all fixtures, formats and widths',
    columns: ['approach', 'images/s', 'vs naive sharp', 'vs vipsthumbnail', 'peak RSS MB'],
    rows: measured.map((m) => [m.approach, throughput(m), ratio(throughput(m), throughput(naive)), vips ? ratio(throughput(m), throughput(vips)) : '—', megabytes(m.peakRssBytes)]),
    notes: [
      'Goal: imgedge ≥ 3× naive sharp and ≥ 0.9× vipsthumbnail on throughput.',
      vips
        ? `vipsthumbnail: ${VIPS_BATCH} copies per call (start-up shared), Q=${DEFAULT_QUALITY}, metadata stripped; animations: first frame only.`
        : 'vipsthumbnail: not installed (apt-get install libvips-tools), column skipped.',
      'Peak RSS: each approach runs in its own process; the figure includes Node.js itself (~50 MB).',
    ],
  };
  return [perFixture, summary, await avifSingleCore(sources, quick)];
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
        const extension = format === 'jpeg' ? 'jpg' : format;
        const run = timedCommand('vipsthumbnail', [...copies, '--size', `${width}x`, '-o', `${out}/%s.${extension}[Q=${DEFAULT_QUALITY},strip]`]);
        peakRssBytes = Math.max(peakRssBytes, run.peakRssBytes);
        cells.push({ fixture: source.name, format, width, samplesMs: Array<number>(VIPS_BATCH).fill(run.ms / VIPS_BATCH), bytes: NaN });
      }
    }
  }
  return { approach: 'vipsthumbnail', cells, peakRssBytes, latencies: false };
}

/** The latency goal: AVIF at 320–640 px, p95 ≤ 150 ms on one core (taskset), this project's transformer. */
async function avifSingleCore(sources: ReadonlyArray<{ name: string; path: string }>, quick: boolean): Promise<BenchTable> {
  const pinned = commandExists('taskset');
  const job: TransformJob = { approach: 'imgedge', sources: sources.slice(0, 1), formats: ['avif'], widths: quick ? [320] : [320, 640], iterations: quick ? 2 : 15 };
  const result = await runTsChild<TransformChildResult>(CHILD, job, pinned ? ['taskset', '-c', '0'] : []);
  const rows = result.cells.map((cell): Cell[] => {
    const s = summarize(cell.samplesMs);
    return [cell.width, s.p50, s.p95, s.p95 <= AVIF_P95_GOAL_MS ? 'met' : 'missed'];
  });
  return {
    title: `1c. AVIF, photo fixture, ${pinned ? 'one core (taskset -c 0)' : 'all cores (taskset not found)'}`,
    columns: ['width', 'p50 ms', 'p95 ms', `goal p95 ≤ ${AVIF_P95_GOAL_MS} ms`],
    rows,
  };
}
