/**
 * One approach of table 1 in its own process, so its peak RSS is its own:
 *   node --import tsx test/bench/transform-child.ts '<TransformJob JSON>'
 * Prints one JSON line: every cell's samples and the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import type { OutputFormat } from '../../core/index.ts';
import { timeRuns } from './stats.ts';
import { APPROACHES, type ApproachName } from './transform-approaches.ts';

export interface TransformJob {
  readonly approach: ApproachName;
  /** Written by the parent, so generating them does not count in this process's memory. */
  readonly sources: ReadonlyArray<{ readonly name: string; readonly path: string }>;
  readonly formats: readonly OutputFormat[];
  readonly widths: readonly number[];
  readonly iterations: number;
}

export interface TransformCell {
  readonly fixture: string;
  readonly format: OutputFormat;
  readonly width: number;
  readonly samplesMs: number[];
  readonly bytes: number;
}

export interface TransformChildResult {
  readonly cells: TransformCell[];
  readonly peakRssBytes: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as TransformJob;
const render = APPROACHES[job.approach];
const cells: TransformCell[] = [];
for (const fixture of job.sources) {
  const source = readFileSync(fixture.path);
  for (const format of job.formats) {
    for (const width of job.widths) {
      let bytes = 0;
      const samplesMs = await timeRuns(async () => {
        bytes = (await render(source, width, format)).length;
      }, job.iterations);
      cells.push({ fixture: fixture.name, format, width, samplesMs, bytes });
    }
  }
}
const result: TransformChildResult = { cells, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
process.stdout.write(`${JSON.stringify(result)}\n`);
