/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy --all`; cdk.json runs this file).
 * Builds the viewer function first, so CloudFront always gets the current
 * dist/edge/viewer-request.js, then checks every stack with cdk-nag's
 * AwsSolutions rules: an unacknowledged finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { APP_CONTEXT } from './app-context.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { GO_MISSING, goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';
import { parseDeploymentConfig } from '../../core/deployment/index.ts';
import { deployment } from './deployment.ts';
import { defineImgedge } from './imgedge.ts';
import { acknowledgeAppWide } from './nag.ts';

if (!goAvailable()) {
  // GoFunction would fall back to Docker and fail far from the cause.
  console.error(`npx cdk synth builds the Go planner with the local toolchain: ${GO_MISSING}`);
  process.exit(1);
}
await buildViewerFunction();
const app = new App({ context: APP_CONTEXT });
const account = app.node.tryGetContext('account') as string | undefined;
defineImgedge(app, parseDeploymentConfig({ ...deployment, ...(account && { account }) }));
acknowledgeAppWide(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
