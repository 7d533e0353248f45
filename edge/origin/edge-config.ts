import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';

/**
 * What the origin-request function needs to know about the deployment.
 * Lambda@Edge has no environment variables (docs/aws-limits.md §B), so the CDK
 * bundling step bakes this JSON into the bundle with esbuild's `define`
 * for `process.env.IMGEDGE_EDGE_CONFIG`; changing it means a new version.
 */
export interface EdgeConfig {
  readonly variantsBucket: { readonly name: string; readonly region: string };
  readonly originalsBuckets: Readonly<Record<OriginalsRegion, string>>;
  /** How long a read waits on one originals region before the next (default: the reader's ORIGIN_REGION_TIMEOUT_MS). */
  readonly regionTimeoutMs?: number;
}

export function parseEdgeConfig(raw: string | undefined): EdgeConfig {
  if (!raw) throw new Error('IMGEDGE_EDGE_CONFIG was not baked into this bundle (see infra/aws: edge bundling)');
  const config = JSON.parse(raw) as EdgeConfig;
  if (!config.variantsBucket?.name || !config.variantsBucket.region) throw new Error('edge config: variantsBucket.name and .region are required');
  for (const region of ORIGINALS_REGIONS) {
    if (!config.originalsBuckets?.[region]) throw new Error(`edge config: no originals bucket for ${region}`);
  }
  if (config.regionTimeoutMs !== undefined && !(Number.isInteger(config.regionTimeoutMs) && config.regionTimeoutMs > 0)) {
    throw new Error('edge config: regionTimeoutMs must be a positive integer');
  }
  return config;
}
