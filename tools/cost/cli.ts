/**
 * npm run cost -- --images-per-day 1e9 --hit-ratio 0.97 [--json]
 * Prints the cost line items and the quota table for the given traffic; a bad
 * argument is one line on stderr and exit code 2.
 */
import { assumptions, type Assumptions } from './assumptions.ts';
import { parseArgs, usage } from './cli-args.ts';
import { formatReport } from './format.ts';
import { report } from './report.ts';

const USAGE_ERROR = 2;

function main(argv: readonly string[]): number {
  const parsed = parseArgs(argv);
  if (!parsed.ok) return usageError(parsed.error);
  if (parsed.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  let resolved: Assumptions;
  try {
    resolved = assumptions(parsed.overrides);
  } catch (err) {
    if (err instanceof RangeError) return usageError(err.message);
    throw err;
  }
  const result = report(resolved, new Set(Object.keys(parsed.overrides) as (keyof Assumptions)[]));
  process.stdout.write(parsed.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result)}\n`);
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`cost: ${message} (npm run cost -- --help)\n`);
  return USAGE_ERROR;
}

process.exitCode = main(process.argv.slice(2));
