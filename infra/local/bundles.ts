/**
 * The bundles the local stack runs: each Node task and the origin-request
 * function built as the CDK app deploys them (tasks/build.ts,
 * edge/origin/function.ts), and the worker bootstrap that hosts them.
 * A bundle is rebuilt only when esbuild's version, its build options or one
 * of its input files (as esbuild's metafile lists them) changed since the
 * last build.
 *
 * Builds in other processes may run at the same time. Each file (the bundle,
 * its source map, its stamp) is replaced by a rename, so no reader sees half
 * of a file; the three are three renames, not one, so for a moment a reader
 * can find a new bundle beside the previous map. The stamp is written last
 * and names the content hash of the bundle and map it describes, so a stamp
 * is never taken for files another build has replaced since.
 */
import { build, type BuildOptions, version as ESBUILD_VERSION } from 'esbuild';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { EdgeConfig } from '../../edge/origin/edge-config.ts';
import { ORIGIN_REQUEST_PACKAGE_JSON, originRequestBuildOptions } from '../../edge/origin/function.ts';
import { taskBuildOptions } from '../../tasks/build.ts';
import { TASK_NAMES, taskDefinition, type TaskName } from '../../tasks/registry.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLES_DIR = join(REPO, 'dist', 'bundles');
const WORKER_ENTRY = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));

interface Stamp {
  /** esbuild's version and the build options: a bundle of another esbuild or other options is another bundle. */
  readonly esbuild: string;
  readonly options: string;
  /** Output file name (the bundle, its map) → sha256 of the content this stamp was written for. */
  readonly outputs: Record<string, string>;
  /** Input path (relative to the build's working directory) → size and mtime. */
  readonly inputs: Record<string, string>;
}

/**
 * How far before the build's start an input's mtime must lie for the build to be stamped. A
 * file saved while esbuild runs may have been read before the save, so its bundle may lack the
 * edit: its mtime is at or after the start. The margin covers file times that trail the clock
 * (Linux stamps files from a coarse clock, a tick behind; some file systems keep 1 or 2 s).
 */
const MTIME_MARGIN_MS = 2_000;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

async function fingerprint(dir: string, path: string): Promise<{ print: string; mtimeMs?: number }> {
  const info = await stat(join(dir, path)).catch(() => undefined);
  return info ? { print: `${info.size}:${info.mtimeMs}`, mtimeMs: info.mtimeMs } : { print: 'missing' };
}

const outputFiles = (options: BuildOptions & { outfile: string }) => [options.outfile, ...(options.sourcemap ? [`${options.outfile}.map`] : [])];

async function hashes(files: readonly string[]): Promise<Record<string, string> | undefined> {
  const entries = await Promise.all(files.map(async (file) => [basename(file), await readFile(file).then(sha256, () => undefined)] as const));
  const read = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  return read.length === entries.length ? Object.fromEntries(read) : undefined;
}

async function fresh(stampFile: string, key: string, options: BuildOptions & { outfile: string }, dir: string): Promise<boolean> {
  const stamp = JSON.parse(await readFile(stampFile, 'utf8').catch(() => 'null')) as Stamp | null;
  if (stamp?.esbuild !== ESBUILD_VERSION || stamp.options !== key || !stamp.outputs || !stamp.inputs) return false;
  const outputs = await hashes(outputFiles(options));
  if (!outputs || JSON.stringify(outputs) !== JSON.stringify(stamp.outputs)) return false;
  const current = await Promise.all(Object.entries(stamp.inputs).map(async ([path, print]) => (await fingerprint(dir, path)).print === print));
  return current.every(Boolean);
}

/**
 * Builds `options` into its outfile unless that is fresh; resolves with the outfile. A build
 * during which an input changed is installed but not stamped, so the next call builds again.
 */
export async function ensureBuilt(options: BuildOptions & { outfile: string }): Promise<string> {
  const dir = options.absWorkingDir ?? REPO;
  const key = JSON.stringify(options);
  const stampFile = `${options.outfile}.inputs.json`;
  if (await fresh(stampFile, key, options, dir)) return options.outfile;
  const staging = `${dirname(options.outfile)}/.staging-${process.pid}-${crypto.randomUUID()}`;
  const outfile = join(staging, relative(dirname(options.outfile), options.outfile));
  try {
    const started = Date.now();
    const result = await build({ ...options, outfile, metafile: true });
    const prints = await Promise.all(Object.keys(result.metafile.inputs).map(async (input) => [input, await fingerprint(dir, input)] as const));
    const unchanged = prints.every(([, { mtimeMs }]) => mtimeMs !== undefined && mtimeMs < started - MTIME_MARGIN_MS);
    const outputs = await hashes(outputFiles({ ...options, outfile }));
    await mkdir(dirname(options.outfile), { recursive: true });
    if (options.sourcemap) await rename(`${outfile}.map`, `${options.outfile}.map`);
    await rename(outfile, options.outfile);
    if (unchanged && outputs) {
      const stampStaging = join(staging, 'inputs.json');
      const stamp: Stamp = { esbuild: ESBUILD_VERSION, options: key, outputs, inputs: Object.fromEntries(prints.map(([input, { print }]) => [input, print])) };
      await writeFile(stampStaging, JSON.stringify(stamp));
      await rename(stampStaging, stampFile);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return options.outfile;
}

/** Writes `content` to `path` unless it holds that already; by rename, so no reader sees half of it. */
export async function writeFileIfChanged(path: string, content: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) === content) return;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${crypto.randomUUID()}`);
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

export type NodeTaskName = Exclude<TaskName, 'plan-invalidations'>;
export const NODE_TASKS = TASK_NAMES.filter((task): task is NodeTaskName => taskDefinition(task).language !== 'go');

export interface LocalBundles {
  readonly tasks: Readonly<Record<NodeTaskName, string>>;
  /** The bootstrap each function's worker runs (lambda-worker.ts). */
  readonly worker: string;
}

let building: Promise<LocalBundles> | undefined;

/** Esbuild's working directory is the repository, so metafile inputs are relative to it. */
const inRepo = <T extends BuildOptions>(options: T): T => ({ ...options, absWorkingDir: REPO });

/** How the worker bootstrap (lambda-worker.ts) is built into `outfile`. */
export function workerBuildOptions(outfile: string): BuildOptions & { outfile: string } {
  return inRepo({
    entryPoints: [WORKER_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** Every bundle, fresh; built once per process. */
export function localBundles(): Promise<LocalBundles> {
  building ??= (async () => {
    const tasks = await Promise.all(NODE_TASKS.map(async (task) => [task, await ensureBuilt(inRepo(taskBuildOptions(task, join(BUNDLES_DIR, 'tasks', task)) as BuildOptions & { outfile: string }))] as const));
    const worker = await ensureBuilt(workerBuildOptions(join(BUNDLES_DIR, 'lambda-worker.mjs')));
    return { tasks: Object.fromEntries(tasks) as Record<NodeTaskName, string>, worker };
  })();
  building.catch(() => {
    building = undefined;
  });
  return building;
}

/** The origin-request bundle with `config` baked in, one folder per config (a test's shorter region timeout is another). */
export async function localOriginRequestBundle(config: EdgeConfig): Promise<string> {
  const id = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
  const dir = join(BUNDLES_DIR, 'origin-request', id);
  const bundle = await ensureBuilt(inRepo(originRequestBuildOptions(config, dir)));
  // Rewritten only when missing or different: every start reads it, and others may be starting.
  await writeFileIfChanged(join(dir, 'package.json'), ORIGIN_REQUEST_PACKAGE_JSON);
  return bundle;
}
