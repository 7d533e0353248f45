/**
 * Code built on this machine by the same build the local stack runs
 * (tasks/build.ts, edge/origin/function.ts): CDK calls `bundle` with the
 * asset's output folder; no Docker (the image below is never used). CDK caches
 * a bundling by source folder and options: each function needs its own folder.
 */
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

export function locallyBundledCode(sourceDir: string, bundle: (outputDir: string) => void): lambda.Code {
  return lambda.Code.fromAsset(sourceDir, {
    // The bundle, not the source folder, decides the version: new inputs or a new baked config are a new version.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20'),
      local: {
        tryBundle(outputDir) {
          bundle(outputDir);
          return true;
        },
      },
    },
  });
}
