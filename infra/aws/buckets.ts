/**
 * Every bucket of the deployment is private, encrypted, TLS-only and logged.
 * `privateBucket` applies that once, so no stack can forget a part of it.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Incomplete multipart uploads are invisible but billed; a day is ample for any original we accept (25 MiB). */
const ABORT_MULTIPART_AFTER = Duration.days(1);
const ACCESS_LOG_RETENTION = Duration.days(90);

export type PrivateBucketProps = Omit<s3.BucketProps, 'blockPublicAccess' | 'encryption' | 'enforceSSL' | 'serverAccessLogsBucket'> & {
  readonly bucketName: string;
  readonly accessLogs: s3.IBucket;
};

export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): s3.Bucket {
  const { accessLogs, lifecycleRules = [], ...rest } = props;
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: `${props.bucketName}/`,
    lifecycleRules: [{ id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: ABORT_MULTIPART_AFTER }, ...lifecycleRules],
    ...rest,
  });
}

/**
 * The bucket the others log to (S3 server access logs, and CloudFront's
 * standard logs, which still need ACLs: hence BUCKET_OWNER_PREFERRED).
 */
export function accessLogsBucket(scope: Construct, bucketName: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    bucketName,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'expire-logs', expiration: ACCESS_LOG_RETENTION, abortIncompleteMultipartUploadAfter: ABORT_MULTIPART_AFTER }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log bucket itself; logging it into itself would log forever.',
  });
  return bucket;
}
