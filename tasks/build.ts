/**
 * How a Node task becomes the code Lambda runs: tasks/<name>/index.ts bundled
 * by esbuild into index.mjs (ESM, minified, the AWS SDK bundled so its version
 * is the one tested, sharp external for the renderers). The CDK app
 * (infra/aws/task-function.ts) and the local stack (infra/local/bundles.ts)
 * both build with exactly these options.
 */
import type { BuildOptions } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_TARGET, ESM_REQUIRE_BANNER } from '../core/deployment/index.ts';
import { taskDefinition, type TaskName } from './registry.ts';

export const TASKS_DIR = dirname(fileURLToPath(import.meta.url));
/** The file Lambda loads: handler `index.handler`. */
export const TASK_BUNDLE_FILE = 'index.mjs';
export const TASK_HANDLER = 'index.handler';

export function taskBuildOptions(task: TaskName, outputDir: string): BuildOptions {
  return {
    entryPoints: [join(TASKS_DIR, task, 'index.ts')],
    outfile: join(outputDir, TASK_BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    external: taskDefinition(task).renders ? ['sharp'] : [],
    legalComments: 'none',
    logLevel: 'warning',
  };
}
