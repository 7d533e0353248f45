/**
 * The bench harness at toy sizes (`npm run bench -- --quick`), so it cannot rot:
 * every table runs, every row fills every column, and the figures that are
 * behaviour rather than speed are checked.
 */
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIEWER_FUNCTION_FILE } from '../../edge/viewer/artifact.ts';
import { BENCH_STEPS } from './bench.ts';
import { renderTable, type BenchTable } from './table.ts';

const column = (table: BenchTable, name: string) => table.rows.map((row) => row[table.columns.indexOf(name)]);

/** What must hold whatever the machine's speed. */
const BEHAVIOUR: Record<number, (tables: BenchTable[]) => void> = {
  1: (tables) => expect(tables.find((table) => table.measured)?.measured?.meanRenderMs?.value).toBeGreaterThan(0),
  3: ([viewer]) => expect(column(viewer!, 'bytes')[1]).toBe(statSync(VIEWER_FUNCTION_FILE).size),
  4: ([cache]) => {
    const keys = column(cache!, 'distinct keys') as number[];
    expect(keys).toHaveLength(6); // three runs × raw, normalized
    for (let raw = 0; raw < keys.length; raw += 2) expect(keys[raw + 1]).toBeLessThan(keys[raw] as number);
    const hitRatios = column(cache!, 'edge+shield hit %') as number[];
    expect(hitRatios[5], 'warm caches hit more than cold ones').toBeGreaterThan(hitRatios[3] as number);
    const measured = cache!.measured ?? {};
    for (const name of ['edgeHitRatio', 'shieldHitRatio', 'rendersPerShieldMiss'] as const) {
      expect(measured[name]?.value, name).toBeGreaterThan(0);
      expect(measured[name]?.value, name).toBeLessThanOrEqual(1);
    }
  },
  5: ([coalescing]) => {
    expect(column(coalescing!, 'renders').every((renders) => renders === 1)).toBe(true);
    expect(column(coalescing!, 'failed').every((failed) => failed === 0)).toBe(true);
  },
  6: ([load, uploads]) => {
    expect(column(load!, 'errors').every((errors) => errors === 0)).toBe(true);
    expect(uploads!.rows).toHaveLength(2);
  },
  7: ([heavy]) => expect(column(heavy!, 'answers').every((answers) => /^(\d+×(200|503) ?)+$/.test(String(answers)))).toBe(true),
  // Scores are distances, positive; without butteraugli the table says so instead.
  9: ([perceptual]) => {
    if (perceptual!.columns[0] === 'note') return expect(String(perceptual!.rows[0]![0])).toMatch(/^skipped: butteraugli is not installed/);
    expect(column(perceptual!, 'target score').every((score) => typeof score === 'number' && score > 0)).toBe(true);
  },
};

describe('npm run bench -- --quick', () => {
  it.each(BENCH_STEPS.map((step) => [step.id, step.name, step] as const))('table %i (%s) runs and fills every column', async (_id, _name, step) => {
    const tables = await step.run(true);
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      expect(table.rows.length, table.title).toBeGreaterThan(0);
      for (const row of table.rows) expect(row, table.title).toHaveLength(table.columns.length);
      expect(renderTable(table)).toContain(table.title);
    }
    BEHAVIOUR[step.id]?.(tables);
  }, 120_000);
});
