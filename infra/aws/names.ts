/**
 * Physical names of what several stacks (and regions) share. Buckets are named,
 * not generated, because the Lambda@Edge bundle has their names baked in
 * (no environment variables at the edge) and replication rules point across
 * regions, where CloudFormation references do not reach.
 */
import { UPLOAD_REGION, type OriginalsRegion } from '../../core/index.ts';
import type { DeploymentConfig } from '../../core/deployment/index.ts';

/** The region of everything that is not a replica: CloudFront's own (ACM, WAF, Lambda@Edge) and the pipeline's. */
export const PRIMARY_REGION = UPLOAD_REGION;

export interface ResourceNames {
  originalsBucket(region: OriginalsRegion): string;
  /** One per stack that owns buckets: a bucket policy must not reach across stacks. */
  accessLogsBucket(concern: string, region: string): string;
  readonly variantsBucket: string;
  readonly quarantineBucket: string;
  readonly keyValueStore: string;
  stack(concern: string, region?: string): string;
  /**
   * The tenant's upload role (IAM names are account-wide, so the deployment's prefix keeps two
   * deployments apart). At most 16 + 8 + 32 = 56 characters of IAM's 64 (docs/aws-limits.md §K):
   * the stack's name (`imgedge-storage-us-east-1-`) in front made a 32-character tenant 65.
   */
  uploadRole(tenant: string): string;
}

export function resourceNames(config: Pick<DeploymentConfig, 'name' | 'account'>): ResourceNames {
  const { name, account } = config;
  return {
    originalsBucket: (region) => `${name}-originals-${account}-${region}`,
    accessLogsBucket: (concern, region) => `${name}-${concern}-logs-${account}-${region}`,
    variantsBucket: `${name}-variants-${account}-${PRIMARY_REGION}`,
    quarantineBucket: `${name}-quarantine-${account}-${PRIMARY_REGION}`,
    keyValueStore: `${name}-edge`,
    stack: (concern, region) => [name, concern, region].filter(Boolean).join('-'),
    uploadRole: (tenant) => `${name}-upload-${tenant}`,
  };
}
