/**
 * One Step Functions task as a Lambda function: tasks/<name>/index.ts bundled
 * by NodejsFunction with the local esbuild (ESM, the AWS SDK bundled so its
 * version is the one tested). Powertools' service name and metrics namespace
 * are set in code (tasks/shared/task.ts), the same here as locally.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ESM_BUNDLING, NODE_RUNTIME } from './lambda-runtime.ts';
import { repoPath } from './paths.ts';

const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface TaskFunctionProps {
  /** Folder under tasks/. */
  readonly task: string;
  readonly environment: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /**
   * Renders with sharp. Such tasks run on x86_64, the only architecture
   * Lambda@Edge has: libvips' vector code differs between CPUs, and a variant
   * must be the same bytes whichever of the two rendered it.
   */
  readonly renders?: boolean;
}

/** Written by `copy-sharp-runtime` below, run from NodejsFunction's afterBundling hook on this machine. */
const COPY_SHARP = `node --import tsx ${repoPath('infra', 'aws', 'bundling', 'copy-sharp-runtime.ts')}`;

export function taskFunction(scope: Construct, id: string, props: TaskFunctionProps): NodejsFunction {
  const { task, environment, renders = false } = props;
  const fn = new NodejsFunction(scope, id, {
    entry: repoPath('tasks', task, 'index.ts'),
    handler: 'handler',
    projectRoot: repoPath(),
    depsLockFilePath: repoPath('package-lock.json'),
    runtime: NODE_RUNTIME,
    architecture: renders ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(30),
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: LOG_RETENTION }),
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      ...environment,
    },
    bundling: {
      ...ESM_BUNDLING,
      sourceMap: true,
      externalModules: renders ? ['sharp'] : [],
      ...(renders && {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, outputDir: string) => [`${COPY_SHARP} ${outputDir}`],
        },
      }),
    },
  });
  return fn;
}
