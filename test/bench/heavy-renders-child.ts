/**
 * A local stack in its own process, so the peak RSS it reports is the stack's:
 *   node --import tsx test/bench/heavy-renders-child.ts '{"renderSlots":3,"burst":32}'
 * Uploads one original of MAX_SOURCE_PIXELS (a PNG: every render decodes all of it), asks
 * `burst` distinct variants of it at once, then reports statuses, time and peak RSS; and how
 * long one unrelated render takes alone and while four renders of a 48 MP JPEG of
 * MAX_JPEG_SCANS scans (the slowest decode accepted) are under way.
 */
import { DEFAULT_LADDER } from '../../core/contract/index.ts';
import { MAX_JPEG_SCANS } from '../../core/transform/index.ts';
import { bilevelPng } from '../fixtures/generate.ts';
import { scanBombJpeg } from '../fixtures/scan-bomb.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

interface Job {
  readonly renderSlots: number;
  readonly burst: number;
}

const job = JSON.parse(process.argv[2] as string) as Job;
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

async function timed(running: RunningStack, path: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  const response = await running.request(path);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - start };
}

const running = await startTestStack({ ...EDGE_ONLY, renderSlots: job.renderSlots });
try {
  await upload(running, 'demo/heavy.png', bilevelPng(10_000, 5_000), 'image/png');
  await upload(running, 'demo/scans.jpg', scanBombJpeg(8064, 6048, MAX_JPEG_SCANS), 'image/jpeg');
  const baselineRssBytes = maxRssBytes();
  const formats = ['webp', 'jpeg', 'png'];
  const paths = DEFAULT_LADDER.flatMap((w) => formats.map((fmt) => `/demo/heavy.png?w=${w}&fmt=${fmt}`)).slice(0, job.burst);
  const start = performance.now();
  const answers = await Promise.all(paths.map((path) => timed(running, path)));
  const burstMs = performance.now() - start;
  const statuses: Record<number, number> = {};
  for (const { status } of answers) statuses[status] = (statuses[status] ?? 0) + 1;

  const alone = await timed(running, '/demo/samples/landscape.jpg?w=333&fmt=webp');
  const slow = [128, 256, 384, 640].map((w) => timed(running, `/demo/scans.jpg?w=${w}&fmt=webp`));
  const during = await timed(running, '/demo/samples/landscape.jpg?w=444&fmt=webp');
  const slowAnswers = await Promise.all(slow);
  console.log(JSON.stringify({ baselineRssBytes, peakRssBytes: maxRssBytes(), burstMs, statuses, aloneMs: alone.ms, duringMs: during.ms, duringStatus: during.status, slowMs: Math.max(...slowAnswers.map((a) => a.ms)) }));
} finally {
  await running.stop();
}
