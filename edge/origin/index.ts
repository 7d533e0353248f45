/** The Lambda@Edge origin-request entry point, as deployed. */
import { S3ObjectStore } from '../storage/object-store.ts';
import { createS3Client } from '../storage/s3-client.ts';
import { renderVariant } from '../transform/index.ts';
import { parseEdgeConfig } from './edge-config.ts';
import { createOriginRequestHandler } from './origin-request.ts';
import { regionsNearestFirst } from './regions.ts';

const config = parseEdgeConfig(process.env.IMGEDGE_EDGE_CONFIG);

export const handler = createOriginRequestHandler({
  variants: new S3ObjectStore(createS3Client({ region: config.variantsBucket.region }), config.variantsBucket.name),
  // AWS_REGION is set by Lambda itself (a reserved variable, not configuration): the Origin Shield region we run in.
  originals: regionsNearestFirst(process.env.AWS_REGION).map((region) => ({
    region,
    store: new S3ObjectStore(createS3Client({ region, maxAttempts: 1 }), config.originalsBuckets[region]),
  })),
  render: renderVariant,
});
