/**
 * One Step Functions task as a Lambda function: its code built here by
 * tasks/build.ts, the build the local stack runs (sharp's linux-x64 runtime
 * beside the renderers' bundles). Powertools' service name and metrics
 * namespace are set in code (tasks/shared/task.ts), the same here as locally.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import type { Construct } from 'constructs';
import { TASK_HANDLER, TASKS_DIR, taskBuildOptions } from '../../tasks/build.ts';
import { DEFAULT_TASK_MEMORY_MB, DEFAULT_TASK_TIMEOUT_SECONDS, taskDefinition, type TaskName } from '../../tasks/registry.ts';
import { locallyBundledCode } from './bundling/local-bundle.ts';
import { copySharpRuntime } from './bundling/sharp-runtime.ts';
import { NODE_RUNTIME } from './lambda-runtime.ts';

const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export function taskFunction(scope: Construct, id: string, task: TaskName, environment: Record<string, string>): lambda.Function {
  const { renders = false, memoryMb = DEFAULT_TASK_MEMORY_MB, timeoutSeconds = DEFAULT_TASK_TIMEOUT_SECONDS } = taskDefinition(task);
  return new lambda.Function(scope, id, {
    // Its own folder as the asset's source: CDK caches a bundling by source path and options, not by the build it runs.
    code: locallyBundledCode(join(TASKS_DIR, task), (outputDir) => {
      buildSync(taskBuildOptions(task, outputDir));
      if (renders) copySharpRuntime(outputDir);
    }),
    handler: TASK_HANDLER,
    runtime: NODE_RUNTIME,
    // libvips' vector code differs between CPUs, and a variant must be the same bytes whichever
    // renderer made it: renderers run on x86_64, the only architecture Lambda@Edge has.
    architecture: renders ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
    memorySize: memoryMb,
    timeout: Duration.seconds(timeoutSeconds),
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: LOG_RETENTION }),
    environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
  });
}
