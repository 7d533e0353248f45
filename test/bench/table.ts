/** Plain-text tables for `npm run bench`: aligned columns, numbers right-aligned. */
import type { Measurement, MeasuredName } from '../../tools/cost/measured.ts';

export type Cell = string | number;

export interface BenchTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Lines printed under the table: the baseline, the goal and whether it was met. */
  readonly notes?: readonly string[];
  /** Inputs of the cost model this table measured; `npm run bench -- --record` writes them. */
  readonly measured?: Partial<Record<MeasuredName, Measurement>>;
}

export function formatCell(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return '—';
  if (Number.isInteger(cell)) return cell.toLocaleString('en-US');
  return Math.abs(cell) >= 100 ? cell.toFixed(0) : Math.abs(cell) >= 10 ? cell.toFixed(1) : cell.toFixed(2);
}

export function renderTable(table: BenchTable): string {
  const cells = table.rows.map((row) => row.map(formatCell));
  const widths = table.columns.map((column, i) => Math.max(column.length, ...cells.map((row) => (row[i] ?? '').length)));
  const numeric = table.columns.map((_, i) => table.rows.every((row) => typeof row[i] === 'number'));
  const line = (values: readonly string[]) =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [
    table.title,
    line(table.columns),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
    ...(table.notes ?? []).map((note) => `  ${note}`),
    '',
  ].join('\n');
}

/** "1.23×" — how many times `value` is `baseline`. */
export const ratio = (value: number, baseline: number): string => `${(value / baseline).toFixed(2)}×`;

export const megabytes = (bytes: number): number => bytes / (1024 * 1024);
