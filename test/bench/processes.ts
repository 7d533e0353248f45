/** Running a bench step in its own process: a TypeScript child (via tsx) or a command, with its peak RSS. */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `node --import tsx <script> <json>` and parses the JSON line it prints. `prefix` runs it under e.g. taskset. */
export function runTsChild<T>(script: string, input: unknown, prefix: readonly string[] = []): Promise<T> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', script, JSON.stringify(input)];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`${script} exited ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command under GNU time: wall milliseconds and peak RSS in bytes. Throws on a non-zero exit. */
export function timedCommand(command: string, args: readonly string[]): { ms: number; peakRssBytes: number } {
  const start = performance.now();
  // sharp sets VIPSHOME for its own libvips; a system libvips would look for its format modules there and lose HEIF.
  const { VIPSHOME: _, ...env } = process.env;
  const run = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', env });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`${command} exited ${run.status}: ${run.stderr}`);
  const kilobytes = Number(run.stderr.trim().split('\n').pop());
  return { ms, peakRssBytes: kilobytes * 1024 };
}
