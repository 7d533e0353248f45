/**
 * Grants in our access vocabulary (core/deployment/access.ts), resolved to
 * exactly those statements, and S3 object grants under a key prefix (tenant
 * upload roles). Never s3:GetObjectVersion: noncurrent versions of
 * taken-down originals stay unreadable.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type Access, type AccessTargets, bucketArn, policyStatement } from '../../core/deployment/index.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

type Grantee = iam.IGrantable & IConstruct;

const OBJECT_KEYS_ARE_DATA = 'Object keys are tenant data named at run time; the grant is limited to these actions on these buckets (and prefix).';

/** Adds exactly the statements `accesses` resolve to. */
export function grantAccess(grantee: Grantee, accesses: readonly Access[], targets: AccessTargets): void {
  for (const access of accesses) {
    const { actions, resources } = policyStatement(access, targets);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [...resources] }));
    if ('objects' in access) acknowledge(grantee, resources.map(wildcardResourceFinding), OBJECT_KEYS_ARE_DATA);
  }
}

/** `actions` on the objects of these buckets under `keyPrefix`: `bucket/prefix*` is the narrowest resource. */
export function allowObjects(grantee: Grantee, actions: string[], bucketNames: readonly string[], keyPrefix: string): void {
  const resources = bucketNames.map((name) => `${bucketArn(name)}/${keyPrefix}*`);
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  acknowledge(grantee, resources.map(wildcardResourceFinding), OBJECT_KEYS_ARE_DATA);
}
