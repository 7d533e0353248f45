/**
 * Originals: one versioned bucket in each of the three regions. Uploads land
 * in the primary (us-east-1), whose replication rules copy every object to the
 * other two, so the edge renderer reads the nearest replica.
 *
 * Deletes, deliberately:
 * - A takedown does not wait for replication: the delete-originals task
 *   deletes the key in every region itself.
 * - Delete markers replicate too, so a delete made only in the primary (the
 *   quarantine of a rejected upload) reaches the replicas.
 * - Deleting a versioned object leaves its bytes as a noncurrent version, which
 *   no role of ours can read (nothing is granted s3:GetObjectVersion); a
 *   lifecycle rule expires noncurrent versions after `noncurrentOriginalDays`,
 *   after which a takedown is final everywhere.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../../core/index.ts';
import type { DeploymentConfig, TenantDeployment } from '../../../core/deployment/index.ts';
import { accessLogsBucket, privateBucket } from '../buckets.ts';
import { acknowledge, wildcardResourceFinding } from '../nag.ts';
import { PRIMARY_REGION, type ResourceNames } from '../names.ts';
import { allowObjects } from '../s3-access.ts';

/** Rejected uploads are kept for inspection, then expire. */
const QUARANTINE_RETENTION = Duration.days(30);

export interface StorageStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
  readonly region: OriginalsRegion;
}

/** The originals bucket of one region; in the primary region also the replication source and the quarantine. */
export class StorageStack extends Stack {
  readonly originals: s3.Bucket;
  /** Only in the primary region. */
  readonly quarantine?: s3.Bucket;
  /** Tenant → the role its uploads use; only in the primary region, where uploads land. */
  uploadRoles: ReadonlyMap<string, iam.Role> = new Map();

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.region } });
    const { config, names, region } = props;
    const primary = region === PRIMARY_REGION;
    const accessLogs = accessLogsBucket(this, names.accessLogsBucket('storage', region));

    this.originals = privateBucket(this, 'Originals', {
      bucketName: names.originalsBucket(region),
      accessLogs,
      versioned: true,
      // The upload workflow starts from the primary bucket's Object Created events.
      eventBridgeEnabled: primary,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(config.noncurrentOriginalDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      ...(primary && {
        replicationRules: ORIGINALS_REGIONS.filter((r) => r !== PRIMARY_REGION).map((replica, i) => ({
          id: `replicate-to-${replica}`,
          destination: s3.Bucket.fromBucketName(this, `Replica-${replica}`, names.originalsBucket(replica)),
          priority: i + 1,
          deleteMarkerReplication: true,
        })),
      }),
    });

    if (primary) {
      this.acknowledgeReplicationRole(names);
      this.uploadRoles = new Map(config.tenants.map((tenant) => [tenant.name, this.tenantUploadRole(tenant, names.uploadRole(tenant.name), names.originalsBucket(region))]));
      this.quarantine = privateBucket(this, 'Quarantine', {
        bucketName: names.quarantineBucket,
        accessLogs,
        lifecycleRules: [{ id: 'expire-quarantined', expiration: QUARANTINE_RETENTION }],
      });
    }
  }

  /**
   * A tenant uploads with its own role, which can write only under `{tenant}/`
   * of the primary originals bucket: no read, no delete, no other prefix.
   */
  private tenantUploadRole(tenant: TenantDeployment, roleName: string, originalsBucket: string): iam.Role {
    const principals = tenant.uploadPrincipals.length > 0 ? tenant.uploadPrincipals.map((arn) => new iam.ArnPrincipal(arn)) : [new iam.AccountRootPrincipal()];
    const role = new iam.Role(this, `Upload-${tenant.name}`, {
      roleName,
      description: `Uploads originals of tenant ${tenant.name}`,
      assumedBy: new iam.CompositePrincipal(...principals),
      maxSessionDuration: Duration.hours(1),
    });
    allowObjects(role, ['s3:PutObject', 's3:AbortMultipartUpload'], [originalsBucket], `${tenant.name}/`);
    new CfnOutput(this, `UploadRoleArn-${tenant.name}`, { value: role.roleArn });
    return role;
  }

  /** The role CDK makes for replication reads every object here and writes every object in the replicas: that is replication. */
  private acknowledgeReplicationRole(names: ResourceNames): void {
    const source = this.getLogicalId(this.originals.node.defaultChild as s3.CfnBucket);
    const replicas = ORIGINALS_REGIONS.filter((r) => r !== PRIMARY_REGION).map((r) => `arn:<AWS::Partition>:s3:::${names.originalsBucket(r)}/*`);
    acknowledge(
      this.originals,
      [`<${source}.Arn>/*`, ...replicas].map(wildcardResourceFinding),
      'S3 replication copies every object of the primary originals bucket to the two replica buckets; the role can do only that.',
    );
  }
}

