/**
 * The bundles the local stack runs: each Node task and the origin-request
 * function built as the CDK app deploys them (tasks/build.ts,
 * edge/origin/function.ts), and the worker bootstrap that hosts them.
 * A bundle is rebuilt only when its build options or one of its input files
 * (as esbuild's metafile lists them) changed since the last build; a
 * concurrent build elsewhere replaces files by rename, never half-written.
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
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
  readonly options: string;
  /** Input path (relative to the repository) → size and mtime. */
  readonly inputs: Record<string, string>;
}

const fingerprint = async (path: string) => {
  const info = await stat(join(REPO, path)).catch(() => undefined);
  return info ? `${info.size}:${info.mtimeMs}` : 'missing';
};

async function fresh(stampFile: string, options: string, outfile: string): Promise<boolean> {
  const stamp = JSON.parse(await readFile(stampFile, 'utf8').catch(() => 'null')) as Stamp | null;
  if (stamp?.options !== options || !(await stat(outfile).catch(() => undefined))) return false;
  const current = await Promise.all(Object.entries(stamp.inputs).map(async ([path, print]) => (await fingerprint(path)) === print));
  return current.every(Boolean);
}

/** Builds `options` into its outfile unless that is fresh; resolves with the outfile. */
async function ensureBuilt(options: BuildOptions & { outfile: string }): Promise<string> {
  const key = JSON.stringify(options);
  const stampFile = `${options.outfile}.inputs.json`;
  if (await fresh(stampFile, key, options.outfile)) return options.outfile;
  const staging = `${dirname(options.outfile)}/.staging-${process.pid}-${crypto.randomUUID()}`;
  const outfile = join(staging, relative(dirname(options.outfile), options.outfile));
  try {
    const result = await build({ ...options, outfile, metafile: true });
    const inputs = Object.fromEntries(
      await Promise.all(Object.keys(result.metafile.inputs).map(async (input) => [input, await fingerprint(input)] as const)),
    );
    await mkdir(dirname(options.outfile), { recursive: true });
    if (options.sourcemap) await rename(`${outfile}.map`, `${options.outfile}.map`);
    await rename(outfile, options.outfile);
    const stampStaging = join(staging, 'inputs.json');
    await writeFile(stampStaging, JSON.stringify({ options: key, inputs } satisfies Stamp));
    await rename(stampStaging, stampFile);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return options.outfile;
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

/** Every bundle, fresh; built once per process. */
export function localBundles(): Promise<LocalBundles> {
  building ??= (async () => {
    const tasks = await Promise.all(NODE_TASKS.map(async (task) => [task, await ensureBuilt(inRepo(taskBuildOptions(task, join(BUNDLES_DIR, 'tasks', task)) as BuildOptions & { outfile: string }))] as const));
    const worker = await ensureBuilt(
      inRepo({
        entryPoints: [WORKER_ENTRY],
        outfile: join(BUNDLES_DIR, 'lambda-worker.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'warning',
      }),
    );
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
  await writeFile(join(dir, 'package.json'), ORIGIN_REQUEST_PACKAGE_JSON);
  return bundle;
}
