import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLE_TARGET, ESM_REQUIRE_BANNER } from '../../core/deployment/index.ts';

/**
 * The Node.js runtime of every regional function we deploy (Lambda@Edge has its
 * own, below). Lambda deprecated nodejs20.x on 2026-04-30 (creating such
 * functions is then blocked), so deployments use 24, supported until
 * 2028-04-30; the code is plain ES2022 + ESM and is bundled for Node 20 (the
 * version CI tests), which 24 runs unchanged.
 */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The runtime of the Lambda@Edge origin-request function: the newest Node.js
 * that CloudFront documents for Lambda@Edge. Its list ("Restrictions on
 * Lambda@Edge", section "Supported runtimes",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html#lambda-at-edge-restrictions-runtime)
 * names Node.js 22, 20, 18, … and no 24, so the edge stays on 22 (Lambda supports it until
 * 2027-04-30) while the regional functions run 24. Move it to 24 when that page lists it
 * (docs/aws-limits.md §B). The bundle targets Node 20, which 22 runs unchanged.
 */
export const EDGE_NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * How NodejsFunction bundles the deploy-time function (tenant-keys/): the local esbuild, ESM, the AWS SDK bundled.
 * The functions the local stack also runs are built by tasks/build.ts and edge/origin/function.ts instead.
 */
export const ESM_BUNDLING = {
  format: OutputFormat.ESM,
  target: BUNDLE_TARGET,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  bundleAwsSDK: true,
  minify: true,
  forceDockerBundling: false,
} satisfies BundlingOptions;
