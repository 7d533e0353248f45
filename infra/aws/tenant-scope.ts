/**
 * Which synthesized policy statements reach more than one tenant's objects.
 *
 * Tenant data lives under `{tenant}/` of the originals, variants and
 * quarantine buckets. A statement crosses tenants when it allows an object or
 * listing action (s3:GetObject, s3:PutObject, s3:ListBucket, `s3:*`, `*`, …)
 * on a resource that covers the keys of two different tenants: `bucket/*`,
 * `bucket/demo*` (which also covers tenant `demo-x`), `*`, the bucket itself
 * for a listing, or anything NotResource/NotAction leaves open. Every IAM
 * policy kind (role policies, managed policies, inline role policies) and
 * every bucket policy of every stack is read; Deny statements narrow, so they
 * are skipped. Values CloudFormation would compute (Fn::Join, Fn::GetAtt of a
 * bucket, Ref AWS::Partition) are resolved; a resource that cannot be resolved
 * counts as crossing, so an unreadable grant fails the check rather than
 * passing it.
 */
import { isTenantName } from '../../core/index.ts';
import { bucketArn } from '../../core/deployment/index.ts';

export interface StackTemplate {
  readonly stackName: string;
  readonly template: { readonly Resources?: Readonly<Record<string, TemplateResource>> };
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

export interface CrossTenantGrant {
  /** `{stack}/{role or bucket policy}`, logical ids without CDK's hash suffix: what the allowlist names. */
  readonly grantee: string;
  readonly actions: readonly string[];
  readonly resource: string;
}

/** Actions that read, write, delete or list a tenant's objects. A statement's action patterns are matched against these. */
const TENANT_DATA_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:GetObjectAcl',
  's3:GetObjectTagging',
  's3:GetObjectVersionForReplication',
  's3:PutObject',
  's3:PutObjectAcl',
  's3:PutObjectTagging',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:AbortMultipartUpload',
  's3:RestoreObject',
  's3:ReplicateObject',
  's3:ReplicateDelete',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:ListMultipartUploadParts',
] as const;
const LISTING_ACTIONS = new Set(['s3:ListBucket', 's3:ListBucketVersions']);

/** Whether `keys` starts with a tenant name (as the contract judges it) and its slash: the one literal a tenant-scoped resource must start with. */
function startsWithTenant(keys: string): boolean {
  const slash = keys.indexOf('/');
  return slash > 0 && isTenantName(keys.slice(0, slash));
}

/** Keys of made-up tenants and of each real one: a resource that matches any of them reaches the bucket's objects. */
const probeTenants = (tenants: readonly string[]) => ['probe-a', 'probe-b', ...tenants];

/** IAM's wildcard match (`*` any run, `?` one character), case-sensitive like S3 ARNs. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/**
 * Every Allow statement of every stack that reaches the objects of more than
 * one tenant in `tenantBuckets`, one entry per grantee, action set and resource.
 */
export function crossTenantGrants(stacks: readonly StackTemplate[], tenantBuckets: readonly string[], tenants: readonly string[]): CrossTenantGrant[] {
  const found: CrossTenantGrant[] = [];
  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    for (const [id, policy] of policiesOf(resources)) {
      for (const statement of policy.statements) {
        if (statement.Effect !== 'Allow') continue;
        const actions = statement.NotAction !== undefined ? ['*'] : list(statement.Action).map(String);
        const touched = TENANT_DATA_ACTIONS.filter((action) => actions.some((pattern) => iamPatternMatches(pattern, action)));
        if (touched.length === 0) continue;
        const statementResources = statement.NotResource !== undefined ? ['*'] : list(statement.Resource).map((r) => resolve(r, resources));
        for (const resource of statementResources) {
          if (spansTenants(resource, touched, statement, tenantBuckets, tenants)) {
            found.push({ grantee: `${stack.stackName}/${withoutHash(policy.grantee ?? id)}`, actions: touched, resource });
          }
        }
      }
    }
  }
  return found;
}

/**
 * A resource on a bucket's objects stays within one tenant only when it starts
 * with `arn:aws:s3:::{bucket}/{tenant}/` literally: any wildcard before that
 * slash (`bucket/*`, `bucket/demo*`, `bucket/dem?/*`, `arn:aws:s3:::*`) could
 * match another tenant's keys.
 */
function spansTenants(resource: string, actions: readonly string[], statement: PolicyStatement, buckets: readonly string[], tenants: readonly string[]): boolean {
  const probes = probeTenants(tenants);
  return buckets.some((bucket) => {
    const arn = bucketArn(bucket);
    const literal = resource.startsWith(`${arn}/`);
    const reachesObjects = literal || probes.some((tenant) => iamPatternMatches(resource, `${arn}/${tenant}/probe.jpg`));
    if (reachesObjects && !(literal && startsWithTenant(resource.slice(arn.length + 1)))) return true;
    // Listing is granted on the bucket itself; only an s3:prefix condition could keep it to one tenant.
    const lists = actions.some((action) => LISTING_ACTIONS.has(action));
    return lists && iamPatternMatches(resource, arn) && !prefixConditionKeepsToOneTenant(statement.Condition);
  });
}

function prefixConditionKeepsToOneTenant(condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return false;
  const prefixes = Object.entries(condition as Record<string, Record<string, unknown>>)
    .filter(([operator]) => operator === 'StringLike' || operator === 'StringEquals')
    .flatMap(([, tests]) => list(tests['s3:prefix']).map(String));
  if (prefixes.length === 0) return false;
  return prefixes.every(startsWithTenant);
}

interface Policy {
  /** The role (or bucket) the statements apply to, when the template says. */
  readonly grantee?: string;
  readonly statements: readonly PolicyStatement[];
}

function* policiesOf(resources: Readonly<Record<string, TemplateResource>>): Iterable<[string, Policy]> {
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const statementsOf = (document: unknown) => list((document as { Statement?: unknown } | undefined)?.Statement) as PolicyStatement[];
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy': {
        const roles = list(props.Roles).map((role) => (role as { Ref?: string }).Ref ?? resolve(role, resources));
        const statements = statementsOf(props.PolicyDocument);
        if (roles.length === 0) yield [id, { statements }];
        for (const role of roles) yield [id, { grantee: role, statements }];
        break;
      }
      case 'AWS::IAM::Role':
        for (const inline of list(props.Policies)) yield [id, { grantee: id, statements: statementsOf((inline as { PolicyDocument?: unknown }).PolicyDocument) }];
        break;
      case 'AWS::S3::BucketPolicy':
        yield [id, { statements: statementsOf(props.PolicyDocument) }];
        break;
    }
  }
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const withoutHash = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');

/** A template value as the string CloudFormation would make of it; `*` for what cannot be resolved (fail closed). */
function resolve(value: unknown, resources: Readonly<Record<string, TemplateResource>>): string {
  if (typeof value === 'string') return value;
  const fn = value as Record<string, unknown>;
  if (Array.isArray(fn['Fn::Join'])) {
    const [separator, parts] = fn['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, resources)).join(separator);
  }
  if (fn.Ref === 'AWS::Partition') return 'aws';
  const bucketName = (logicalId: unknown) => {
    const resource = resources[String(logicalId)];
    return resource?.Type === 'AWS::S3::Bucket' && typeof resource.Properties?.BucketName === 'string' ? resource.Properties.BucketName : undefined;
  };
  if (typeof fn.Ref === 'string' && bucketName(fn.Ref)) return bucketName(fn.Ref) as string;
  if (Array.isArray(fn['Fn::GetAtt'])) {
    const [logicalId, attribute] = fn['Fn::GetAtt'] as [string, string];
    const name = bucketName(logicalId);
    if (name && attribute === 'Arn') return bucketArn(name);
    if (resources[logicalId] && resources[logicalId]?.Type !== 'AWS::S3::Bucket') return `<${logicalId}.${attribute}>`;
  }
  return '*';
}
