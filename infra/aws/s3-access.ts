/**
 * S3 grants by bucket name (the names are fixed: names.ts), written out so a
 * role gets exactly the actions its code calls, never s3:GetObjectVersion
 * (noncurrent versions of taken-down originals stay unreadable).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

export const bucketArn = (bucketName: string): string => `arn:aws:s3:::${bucketName}`;

type Grantee = iam.IGrantable & IConstruct;

/**
 * `actions` on the objects of these buckets under `keyPrefix` (every object when empty):
 * object keys are data named at run time, so `bucket/prefix*` is the narrowest resource.
 */
export function allowObjects(grantee: Grantee, actions: string[], bucketNames: readonly string[], keyPrefix = ''): void {
  const resources = bucketNames.map((name) => `${bucketArn(name)}/${keyPrefix}*`);
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  acknowledge(
    grantee,
    resources.map(wildcardResourceFinding),
    'Object keys are tenant data named at run time; the grant is limited to these actions on these buckets (and prefix).',
  );
}

/** s3:ListBucket, so that a missing key answers 404 rather than 403 (which would look like a denial). */
export function allowList(grantee: Grantee, bucketNames: readonly string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: bucketNames.map(bucketArn) }));
}
