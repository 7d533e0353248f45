/**
 * Table 5: bursts of concurrent misses on one cold key through the local
 * CloudFront (edge cache with request collapsing, the origin group, the real
 * origin handler). Each burst uses a key nobody asked for before; the same
 * burst on the now-warm key is the baseline.
 */
import { EDGE_ONLY, startTestStack, type RunningStack } from '../support/local-stack.ts';
import { summarize, type Summary } from './stats.ts';
import type { BenchTable } from './table.ts';

/** Widths of the default ladder: one cold key per burst. */
const COLD_WIDTHS = [384, 640, 750, 828, 1080];

async function burst(running: RunningStack, path: string, size: number): Promise<{ latency: Summary; failures: number }> {
  const samples = await Promise.all(
    Array.from({ length: size }, async () => {
      const start = performance.now();
      const res = await running.request(path, { headers: { accept: 'image/webp' } });
      await res.arrayBuffer();
      return { ms: performance.now() - start, ok: res.status === 200 };
    }),
  );
  return { latency: summarize(samples.map((s) => s.ms)), failures: samples.filter((s) => !s.ok).length };
}

const renders = async (running: RunningStack): Promise<number> => ((await (await running.request('/_local/stats')).json()) as { renders: number }).renders;

export async function coalescingTable(quick: boolean): Promise<BenchTable> {
  const sizes = quick ? [1, 10] : [1, 10, 100, 1000];
  const running = await startTestStack(EDGE_ONLY);
  try {
    const rows = [];
    for (const [i, size] of sizes.entries()) {
      const path = `/demo/samples/landscape.jpg?w=${COLD_WIDTHS[i]}&fmt=webp`;
      const before = await renders(running);
      const cold = await burst(running, path, size);
      const rendered = (await renders(running)) - before;
      const warm = await burst(running, path, size);
      rows.push([size, rendered, cold.latency.p50, cold.latency.p99, warm.latency.p50, warm.latency.p99, cold.failures + warm.failures]);
    }
    return {
      title: '5. Coalescing: a burst of concurrent requests for one cold key, then the same burst warm (baseline)',
      columns: ['burst', 'renders', 'cold p50 ms', 'cold p99 ms', 'warm p50 ms', 'warm p99 ms', 'failed'],
      rows,
      notes: ['Goal: exactly 1 render per burst. Local CloudFront collapses concurrent misses per key, as Origin Shield does.'],
    };
  } finally {
    await running.stop();
  }
}
