/**
 * The benchmark tables of `npm run bench`, in the order the README lists them.
 * Each returns tables whose every figure stands next to a baseline measured
 * in the same run (figures drift between machines; ratios do not).
 */
import type { BenchTable } from './table.ts';

export interface BenchStep {
  readonly id: number;
  readonly name: string;
  run(quick: boolean): Promise<BenchTable[]>;
}

export const BENCH_STEPS: readonly BenchStep[] = [
  { id: 1, name: 'transform', run: async (quick) => (await import('./transform.ts')).transformTables(quick) },
  { id: 2, name: 'pre-render', run: async (quick) => [await (await import('./pyramid.ts')).pyramidTable(quick)] },
  { id: 3, name: 'viewer function', run: async (quick) => [await (await import('./viewer.ts')).viewerTable(quick)] },
  { id: 4, name: 'cache effectiveness', run: async (quick) => [await (await import('./cache-table.ts')).cacheTable(quick)] },
  { id: 5, name: 'coalescing', run: async (quick) => [await (await import('./coalescing.ts')).coalescingTable(quick)] },
  { id: 6, name: 'end to end', run: async (quick) => (await import('./end-to-end.ts')).endToEndTables(quick) },
  { id: 7, name: 'heavy renders', run: async (quick) => [await (await import('./heavy-renders.ts')).heavyRendersTable(quick)] },
  { id: 8, name: 'cover crops', run: async (quick) => [await (await import('./cover-crops.ts')).coverCropsTable(quick)] },
  { id: 9, name: 'perceptual', run: async (quick) => [await (await import('./perceptual.ts')).perceptualTable(quick)] },
];
