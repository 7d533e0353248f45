/**
 * The Lambda@Edge origin-request function's code: edge/origin/index.ts built
 * as edge/origin/function.ts says, the deployment's EdgeConfig baked in, sharp's
 * linux-x64 runtime beside it.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EdgeConfig } from '../../../edge/origin/edge-config.ts';
import { ORIGIN_REQUEST_PACKAGE_JSON, ORIGIN_SOURCE_DIR, originRequestBuildOptions } from '../../../edge/origin/function.ts';
import { locallyBundledCode } from './local-bundle.ts';
import { copySharpRuntime } from './sharp-runtime.ts';

export function originRequestCode(config: EdgeConfig): lambda.Code {
  return locallyBundledCode(ORIGIN_SOURCE_DIR, (outputDir) => {
    buildSync(originRequestBuildOptions(config, outputDir));
    writeFileSync(join(outputDir, 'package.json'), ORIGIN_REQUEST_PACKAGE_JSON);
    copySharpRuntime(outputDir);
  });
}
