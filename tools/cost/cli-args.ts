/**
 * `npm run cost -- …` flags → assumption overrides. Every flag takes one value
 * (`--flag value` or `--flag=value`); a problem is one line for the user.
 */
import type { Assumptions } from './assumptions.ts';

type Kind = 'count' | 'ratio' | 'factor' | 'whole';

interface FlagSpec {
  readonly flag: string;
  readonly field: keyof Assumptions;
  readonly kind: Kind;
}

export const FLAGS: readonly FlagSpec[] = [
  { flag: '--images-per-day', field: 'imagesPerDay', kind: 'count' },
  { flag: '--hit-ratio', field: 'edgeHitRatio', kind: 'ratio' },
  { flag: '--shield-hit-ratio', field: 'shieldHitRatio', kind: 'ratio' },
  { flag: '--renders-per-miss', field: 'rendersPerShieldMiss', kind: 'ratio' },
  { flag: '--uploads-per-day', field: 'uploadsPerDay', kind: 'count' },
  { flag: '--takedowns-per-day', field: 'takedownsPerDay', kind: 'count' },
  { flag: '--reupload-share', field: 'reuploadShare', kind: 'ratio' },
  { flag: '--mean-bytes', field: 'meanVariantBytes', kind: 'count' },
  { flag: '--peak-to-mean', field: 'peakToMean', kind: 'factor' },
  { flag: '--cells', field: 'cells', kind: 'whole' },
];

const SWITCHES = ['--json', '--help'] as const;

export type ParsedArgs =
  | { readonly ok: true; readonly overrides: Partial<Assumptions>; readonly json: boolean; readonly help: boolean }
  | { readonly ok: false; readonly error: string };

/** Plain decimal or scientific notation (1e9, 0.97, .5); no sign, hex, blanks or Infinity. */
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const overrides: Partial<Record<keyof Assumptions, number>> = {};
  const seen = new Set<string>();
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = splitInline(arg);
    const spec = FLAGS.find((candidate) => candidate.flag === name);
    const isSwitch = (SWITCHES as readonly string[]).includes(name);
    if (!spec && !isSwitch) return fail(name.startsWith('-') ? `unknown flag ${name}` : `unexpected argument ${JSON.stringify(arg)}`);
    if (seen.has(name)) return fail(`${name} given twice`);
    seen.add(name);
    if (!spec) {
      if (inline !== undefined) return fail(`${name} takes no value`);
      if (name === '--json') json = true;
      else help = true;
      continue;
    }
    const text = inline ?? argv[++i];
    if (text === undefined) return fail(`${name} needs a value`);
    const problem = valueProblem(text, spec.kind);
    if (problem) return fail(`${name} ${problem}, got ${JSON.stringify(text)}`);
    overrides[spec.field] = Number(text);
  }
  return { ok: true, overrides, json, help };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function valueProblem(text: string, kind: Kind): string | undefined {
  const value = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) return 'must be a number ≥ 0 (e.g. 1e9)';
  if (kind === 'ratio' && value > 1) return 'must be between 0 and 1';
  if (kind === 'factor' && value < 1) return 'must be ≥ 1';
  if (kind === 'whole' && (!Number.isInteger(value) || value < 1)) return 'must be a whole number ≥ 1';
  return undefined;
}

const fail = (error: string): ParsedArgs => ({ ok: false, error });

export function usage(): string {
  const flags = FLAGS.map((spec) => `${spec.flag} <${spec.kind === 'count' || spec.kind === 'whole' ? 'n' : spec.kind}>`);
  return `usage: npm run cost -- [${[...flags, ...SWITCHES].join('] [')}]`;
}
