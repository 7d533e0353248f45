import type { ParseArgsConfig } from 'node:util';
import type { OpsClient } from '../../infra/local/ops/index.ts';
import { UsageError } from './errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | ReadonlyArray<string | boolean> | undefined>;

export interface CommandContext {
  readonly ops: OpsClient;
  /** The stack's base URL, for messages and absolute image URLs. */
  readonly endpoint: string;
  /** --json: one JSON document on stdout instead of the human report. */
  readonly json: boolean;
  /** A line of the report on stdout. */
  readonly print: (line?: string) => void;
}

export interface Command {
  /** One line for `help`. */
  readonly summary: string;
  /** Arguments and options, as `help <command>` shows them. */
  readonly usage: string;
  readonly options: Options;
  /** Throws UsageError for a wrong command line, OperationIncomplete when the report shows a failure. */
  run(context: CommandContext, values: Values, positionals: readonly string[]): Promise<void>;
}

/** The report as JSON (--json) or as lines of text. */
export function report(context: CommandContext, value: unknown, lines: () => readonly string[]): void {
  if (context.json) context.print(JSON.stringify(value, null, 2));
  else for (const line of lines()) context.print(line);
}

/** Columns padded to their widest cell; the last one is left ragged. */
export function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** A `--name N` option: `fallback` when absent, else a whole number from 1. */
export function positiveInteger(raw: Values[string], fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number`);
  return n;
}
