import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assumptions } from './assumptions.ts';
import { parseArgs } from './cli-args.ts';
import { MEASURED, type MeasuredName } from './measured.ts';
import { costModel } from './model.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  /** stderr without npm's own warnings about the machine's npm config (npx prints them, not the CLI). */
  readonly stderrLines: string[];
}

function runCli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'tools/cost/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderrLines: stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn')) }),
    );
  });
}

describe('npm run cost: argument errors', () => {
  it.concurrent.each([
    [['--nope'], 'cost: unknown flag --nope'],
    [['--hit-ratio', '1.5'], 'cost: --hit-ratio must be between 0 and 1, got "1.5"'],
    [['--images-per-day', 'lots'], 'cost: --images-per-day must be a number ≥ 0 (e.g. 1e9), got "lots"'],
    [['--images-per-day'], 'cost: --images-per-day needs a value'],
    [['--mean-bytes=-5'], 'cost: --mean-bytes must be a number ≥ 0 (e.g. 1e9), got "-5"'],
    [['--cells', '2.5'], 'cost: --cells must be a whole number ≥ 1, got "2.5"'],
  ])('%j → exit 2 and one line', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stderrLines[0]).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(npm run cost -- --help\\)$`));
  });
});

describe('npm run cost: output', () => {
  it.concurrent('prints the JSON report of the model', async () => {
    const run = await runCli(['--images-per-day', '1e9', '--hit-ratio', '0.97', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { cost: { usdPerDay: number }; breaksFirst: { name: string }; provisional: string[] };
    expect(report.cost.usdPerDay).toBeCloseTo(costModel(assumptions({ imagesPerDay: 1e9, edgeHitRatio: 0.97 })).usdPerDay, 6);
    expect(report.breaksFirst.name).toBe('Step Functions state transitions (refill)');
    // Given on the command line, the hit ratio is no longer the provisional figure.
    const provisional = (Object.keys(MEASURED) as MeasuredName[]).filter((name) => MEASURED[name].provisional && name !== 'edgeHitRatio');
    expect(report.provisional).toEqual(provisional);
  });

  it.concurrent('prints the tables, the cells in the header, the KeyValueStore and the cells needed', async () => {
    const run = await runCli(['--images-per-day', '1e10', '--cells', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toMatch(/, cells 3 \(modelled, not deployed yet\)$/);
    expect(run.stdout).toMatch(/^Total\s+\$[\d,.]+\s+\$[\d,.]+$/m);
    expect(run.stdout).toMatch(/^breaks first: Step Functions state transitions \(refill\) at 0\.19\d*× this traffic/m);
    expect(run.stdout).toMatch(/^KeyValueStore of the busiest cell at peak: 119,167 live entries .* 3\.25 MB of 5 MB/m);
    expect(run.stdout).toMatch(/^cells for headroom ≥ 1\.5 on every per-distribution and per-shield-Region quota: 3; not by any number of cells: Lambda concurrency, us-east-1$/m);
  });
});

describe('parseArgs', () => {
  it('reads both --flag value and --flag=value', () => {
    expect(parseArgs(['--images-per-day', '1e9', '--shield-hit-ratio=0.5', '--json'])).toEqual({
      ok: true,
      overrides: { imagesPerDay: 1e9, shieldHitRatio: 0.5 },
      json: true,
      help: false,
    });
  });

  it('reads --cells as a whole number ≥ 1', () => {
    expect(parseArgs(['--cells', '3'])).toMatchObject({ ok: true, overrides: { cells: 3 } });
    expect(parseArgs(['--cells', '0'])).toEqual({ ok: false, error: '--cells must be a whole number ≥ 1, got "0"' });
  });

  it('refuses a flag given twice, a stray argument, a value on a switch, a peak factor below 1', () => {
    expect(parseArgs(['--json', '--json'])).toEqual({ ok: false, error: '--json given twice' });
    expect(parseArgs(['1e9'])).toEqual({ ok: false, error: 'unexpected argument "1e9"' });
    expect(parseArgs(['--json=yes'])).toEqual({ ok: false, error: '--json takes no value' });
    expect(parseArgs(['--peak-to-mean', '0.5'])).toEqual({ ok: false, error: '--peak-to-mean must be ≥ 1, got "0.5"' });
  });

  it('refuses hex, Infinity and blanks', () => {
    for (const text of ['0x10', 'Infinity', '', ' 5']) expect(parseArgs(['--uploads-per-day', text]).ok, text).toBe(false);
  });
});
