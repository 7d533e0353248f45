/**
 * The origin-request function as Lambda@Edge runs it: its bundle
 * (edge/origin/function.ts, the deployment's EdgeConfig baked in, here the
 * local stack's) in worker threads whose AWS_REGION is the Region the
 * function runs in (the Origin Shield Region in AWS), its S3 calls through an
 * IAM gate that allows exactly ORIGIN_REQUEST_ACCESS.
 */
import type { CloudFrontRequestEvent } from 'aws-lambda';
import { type AccessTargets, policyDocument } from '../../core/deployment/index.ts';
import type { OriginalsRegion } from '../../core/index.ts';
import type { EdgeConfig } from '../../edge/origin/edge-config.ts';
import { ORIGIN_REQUEST_ACCESS, ORIGIN_REQUEST_MEMORY_MB, ORIGIN_REQUEST_TIMEOUT_SECONDS } from '../../edge/origin/function.ts';
import { originRole, type OriginRequestHandler } from '../../edge/origin/origin-request.ts';
import { localBundles, localOriginRequestBundle } from './bundles.ts';
import { callerEnvironment, type Denial, startIamGate, withholding } from './iam-gate.ts';
import { LOCAL_ACCOUNT, PRIMARY_REGION } from './local-aws.ts';
import { startNodeLambda } from './node-lambda.ts';
import { LOCAL_RENDER_WAIT_MS, type RenderCapacity } from './render-capacity.ts';
import type { S3Endpoint } from './s3-emulator.ts';

/** Lambda@Edge functions live in us-east-1 and run as replicas named `us-east-1.{name}` in other Regions. */
export const ORIGIN_REQUEST_ROLE = 'imgedge-origin-request';

export interface OriginRequestFunctionOptions {
  /** Where it runs: the first replica it reads (core/regions.ts). */
  readonly region: string;
  readonly originalsBuckets: Readonly<Record<OriginalsRegion, string>>;
  readonly variantsBucket: string;
  /** Its role's resources (the pipeline's local targets). */
  readonly targets: AccessTargets;
  readonly s3Endpoints: readonly S3Endpoint[];
  readonly regionTimeoutMs?: number;
  /** An action taken out of its role (tests). */
  readonly withhold?: string;
  /** Every line the function logs, parsed when it is JSON. */
  readonly log: (entry: Record<string, unknown>) => void;
  /** Shared with the pipeline's rendering tasks (render-capacity.ts). */
  readonly renderCapacity?: RenderCapacity;
}

export interface OriginRequestFunction {
  readonly handler: OriginRequestHandler;
  denials(): readonly Denial[];
  close(): Promise<void>;
}

export async function startOriginRequestFunction(options: OriginRequestFunctionOptions): Promise<OriginRequestFunction> {
  const { targets } = options;
  const config: EdgeConfig = {
    variantsBucket: { name: options.variantsBucket, region: PRIMARY_REGION },
    originalsBuckets: options.originalsBuckets,
    ...(options.regionTimeoutMs !== undefined && { regionTimeoutMs: options.regionTimeoutMs }),
  };
  const [bundle, { worker }] = await Promise.all([localOriginRequestBundle(config), localBundles()]);
  const gate = await startIamGate({
    roles: new Map([[ORIGIN_REQUEST_ROLE, withholding(policyDocument(ORIGIN_REQUEST_ACCESS, targets), options.withhold)]]),
    s3: (bucket) => options.s3Endpoints.find((endpoint) => endpoint.buckets.includes(bucket))?.url,
  });
  const fn = startNodeLambda({
    worker,
    bundle,
    functionName: `us-east-1.${ORIGIN_REQUEST_ROLE}`,
    functionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:${ORIGIN_REQUEST_ROLE}:1`,
    environment: callerEnvironment(gate, ORIGIN_REQUEST_ROLE, options.region),
    timeoutMs: ORIGIN_REQUEST_TIMEOUT_SECONDS * 1000,
    memoryMb: ORIGIN_REQUEST_MEMORY_MB,
    // Only a miss at the render origin renders; the variants origin's call is a URI rewrite.
    ...(options.renderCapacity && { capacity: { slots: options.renderCapacity, waitMs: LOCAL_RENDER_WAIT_MS, applies: asksRenderOrigin } }),
    log: options.log,
  });
  return {
    handler: (event: CloudFrontRequestEvent) => fn.invoke(event) as ReturnType<OriginRequestHandler>,
    denials: () => gate.denials(),
    async close() {
      await fn.close();
      await gate.close();
    },
  };
}

function asksRenderOrigin(event: unknown): boolean {
  const request = (event as CloudFrontRequestEvent).Records[0]?.cf.request;
  return request !== undefined && originRole(request) === 'render';
}
