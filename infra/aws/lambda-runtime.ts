import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * The Node.js runtime of every function we deploy, Lambda@Edge included.
 * Lambda deprecated nodejs20.x on 2026-04-30 (creating such functions is then
 * blocked), so deployments use 24, supported until 2028-04-30; the code is
 * plain ES2022 + ESM and is bundled for Node 20 (the version CI tests), which
 * 24 runs unchanged.
 */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild's target for every Lambda bundle: the oldest Node the code is tested on. */
export const BUNDLE_TARGET = 'node20';

/** How NodejsFunction bundles our code: the local esbuild, ESM, the AWS SDK bundled so its version is the one tested. */
export const ESM_BUNDLING = {
  format: OutputFormat.ESM,
  target: BUNDLE_TARGET,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); ESM output has none of its own.
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  bundleAwsSDK: true,
  minify: true,
  forceDockerBundling: false,
} satisfies BundlingOptions;
