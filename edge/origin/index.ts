/** The Lambda@Edge origin-request entry point, as deployed. */
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { renderVariant } from '../../core/transform/index.ts';
import { parseEdgeConfig } from './edge-config.ts';
import { createOriginRequestHandler } from './origin-request.ts';
import { regionsNearestFirst } from '../../core/index.ts';

const config = parseEdgeConfig(process.env.IMGEDGE_EDGE_CONFIG);

export const handler = createOriginRequestHandler({
  variants: new S3ObjectStore(createS3Client({ region: config.variantsBucket.region }), config.variantsBucket.name),
  // The read order comes from where this copy runs. AWS_REGION is set by Lambda itself (a reserved
  // variable, not configuration); with Origin Shield on, origin-facing triggers run in the shield
  // Region (docs/aws-limits.md §B), which the delivery stack names (ORIGIN_SHIELD_REGION): that
  // Region's replica is the primary read, the other two are failover.
  originals: regionsNearestFirst(process.env.AWS_REGION).map((region) => ({
    region,
    store: new S3ObjectStore(createS3Client({ region, maxAttempts: 1 }), config.originalsBuckets[region]),
  })),
  render: renderVariant,
  regionTimeoutMs: config.regionTimeoutMs,
});
