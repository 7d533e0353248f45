/**
 * Building the Go task with the machine's toolchain, as CDK's GoFunction does
 * (no module proxy, no cgo): for the local stack, the tests and the CDK app's
 * check that synth can build it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const GO_MISSING = '`go` is not on the PATH: install golang-go (Debian) to run the invalidation planner locally';

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the Go module in `dir` into `outDir/bootstrap` (static: CGO off) unless
 * the binary is newer than every source, and returns its path. The binary
 * appears whole (built aside, then renamed), so concurrent builds are safe.
 */
export async function buildGoTask(dir: string, outDir: string): Promise<string> {
  const binary = join(outDir, 'bootstrap');
  if (await isNewerThanSources(binary, dir)) return binary;
  if (!goAvailable()) throw new Error(`cannot build ${dir}: ${GO_MISSING}`);
  await mkdir(outDir, { recursive: true });
  const building = `${binary}.${randomUUID()}`;
  const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOPROXY: 'off' };
  delete env.GOOS; // built to run here, whatever a CDK build left set
  delete env.GOARCH;
  try {
    await run('go', ['build', '-trimpath', '-o', building, '.'], dir, env);
    await rename(building, binary);
  } finally {
    await rm(building, { force: true });
  }
  return binary;
}

async function isNewerThanSources(binary: string, dir: string): Promise<boolean> {
  const built = await stat(binary).catch(() => undefined);
  if (!built) return false;
  const files = await readdir(dir, { recursive: true });
  const sources = files.filter((f) => (f.endsWith('.go') && !f.endsWith('_test.go')) || /(^|\/)go\.(mod|sum)$/.test(f));
  const times = await Promise.all(sources.map(async (f) => (await stat(join(dir, f))).mtimeMs));
  return times.every((t) => t <= built.mtimeMs);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} in ${cwd} failed:\n${stderr}`))));
  });
}

