/**
 * The Lambda@Edge origin-request function's code: edge/origin/index.ts bundled
 * with the local esbuild (no Docker), the deployment's EdgeConfig baked in
 * (Lambda@Edge has no environment variables), sharp's linux-x64 runtime beside it.
 */
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EdgeConfig } from '../../../edge/origin/edge-config.ts';
import { BUNDLE_TARGET } from '../lambda-runtime.ts';
import { copySharpRuntime } from './sharp-runtime.ts';

const ORIGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'edge', 'origin');

/** What esbuild is told; exported so a test can check the baked config is the one parseEdgeConfig reads. */
export function originRequestBuildOptions(config: EdgeConfig, outputDir: string): BuildOptions {
  return {
    entryPoints: [join(ORIGIN_DIR, 'index.ts')],
    outfile: join(outputDir, 'index.js'),
    bundle: true,
    platform: 'node',
    // CommonJS: the handler file Lambda@Edge loads is index.js with `exports.handler`.
    format: 'cjs',
    target: BUNDLE_TARGET,
    external: ['sharp'],
    define: { 'process.env.IMGEDGE_EDGE_CONFIG': JSON.stringify(JSON.stringify(config)) },
    legalComments: 'none',
    logLevel: 'warning',
  };
}

export function originRequestCode(config: EdgeConfig): lambda.Code {
  return lambda.Code.fromAsset(ORIGIN_DIR, {
    // The bundle, not the source folder, decides the version: a new EdgeConfig is a new version.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20'),
      local: {
        tryBundle(outputDir) {
          buildSync(originRequestBuildOptions(config, outputDir));
          // index.js is CommonJS wherever it is loaded from, even below a `"type": "module"` package.
          writeFileSync(join(outputDir, 'package.json'), '{ "type": "commonjs" }\n');
          copySharpRuntime(outputDir);
          return true;
        },
      },
    },
  });
}
