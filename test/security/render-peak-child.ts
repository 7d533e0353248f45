/**
 * Renders originals in a fresh process and reports its peak RSS, so the
 * figure is the renderer's alone (not the test runner's):
 *   node --import tsx test/security/render-peak-child.ts '{"files":[…]}'
 * Prints one JSON line: the RSS before any render, the peak after all, and each file's outcome.
 */
import { readFileSync } from 'node:fs';
import { toErrorResponse, type VariantParams } from '../../core/index.ts';
import { renderVariant } from '../../core/transform/index.ts';

interface Job {
  readonly files: ReadonlyArray<{ readonly path: string; readonly params: VariantParams }>;
}

const job = JSON.parse(process.argv[2] as string) as Job;
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in kilobytes
const baselineRssBytes = maxRssBytes();
const outcomes = [];
for (const { path, params } of job.files) {
  const source = readFileSync(path);
  const start = performance.now();
  const status = await renderVariant(source, params).then(() => 200, (err: unknown) => toErrorResponse(err).status);
  outcomes.push({ path, status, ms: Math.round(performance.now() - start) });
}
console.log(JSON.stringify({ baselineRssBytes, peakRssBytes: maxRssBytes(), outcomes }));
