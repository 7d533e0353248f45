/**
 * CloudTrail: one multi-region trail with management events everywhere and
 * S3 data events on the three originals buckets: every upload, overwrite and
 * deletion (takedowns included) is on record. Writes only: reads are the
 * renderer's misses, tens of millions a day at scale, at $0.10 per 100,000
 * data events, and S3 server access logs already record them.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ORIGINALS_REGIONS } from '../../../core/index.ts';
import type { DeploymentConfig } from '../../../core/deployment/index.ts';
import { accessLogsBucket, privateBucket } from '../buckets.ts';
import { PRIMARY_REGION, type ResourceNames } from '../names.ts';

/** Audit records outlive most disputes about a takedown. */
const TRAIL_RETENTION = Duration.days(2555);

export interface AuditStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
}

export class AuditStack extends Stack {
  readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: AuditStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: PRIMARY_REGION } });
    const { names } = props;
    const accessLogs = accessLogsBucket(this, names.accessLogsBucket('audit', PRIMARY_REGION));
    const trailBucket = privateBucket(this, 'TrailLogs', {
      bucketName: `${props.config.name}-trail-${props.config.account}`,
      accessLogs,
      versioned: true,
      lifecycleRules: [{ id: 'expire-trail', expiration: TRAIL_RETENTION, noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: `${props.config.name}-audit`,
      bucket: trailBucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogsRetention: logs.RetentionDays.ONE_YEAR,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    this.trail.addS3EventSelector(
      ORIGINALS_REGIONS.map((region) => ({ bucket: s3.Bucket.fromBucketName(this, `Originals-${region}`, names.originalsBucket(region)) })),
      { readWriteType: cloudtrail.ReadWriteType.WRITE_ONLY },
    );
  }
}
