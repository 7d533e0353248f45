import { beforeAll, describe, expect, it } from 'vitest';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { resourceNames } from './names.ts';
import { crossTenantGrants, iamPatternMatches, type StackTemplate } from './tenant-scope.ts';
import { synthesizeForAssertions, TEST_DEPLOYMENT } from '../../test/support/synth.ts';

const names = resourceNames({ name: TEST_DEPLOYMENT.name, account: TEST_DEPLOYMENT.account });
const TENANT_BUCKETS = [...ORIGINALS_REGIONS.map((region) => names.originalsBucket(region)), names.variantsBucket, names.quarantineBucket];
const TENANTS = TEST_DEPLOYMENT.tenants.map((tenant) => tenant.name);
const ORIGINALS = names.originalsBucket('us-east-1');

/**
 * The only grantees that may reach every tenant's objects, each with its reason.
 * Anything else spanning tenants fails the test; so does an entry here that no
 * longer grants anything (a stale exemption is a hole waiting for a new role).
 */
const MAY_SPAN_TENANTS: Readonly<Record<string, string>> = {
  [`${names.stack('edge')}/OriginRequestFnServiceRole`]: 'the Lambda@Edge renderer: a miss may name any tenant, so it reads originals in every region and writes variants',
  [`${names.stack('pipeline')}/ValidateOriginalServiceRole`]: 'validates every upload, whichever tenant made it',
  [`${names.stack('pipeline')}/QuarantineOriginalServiceRole`]: "moves any tenant's rejected upload into quarantine",
  [`${names.stack('pipeline')}/RenderVariantServiceRole`]: "pre-renders any tenant's standard variants",
  [`${names.stack('pipeline')}/DeleteOriginalsServiceRole`]: "takedowns delete any tenant's original in every region",
  [`${names.stack('pipeline')}/DeleteVariantsServiceRole`]: "takedowns and re-uploads delete any tenant's variants",
  [`${names.stack('pipeline')}/PromoteGenerationServiceRole`]: "an expiring generation's variants, of any tenant, are copied to their plain names",
  [`${names.stack('pipeline')}/RemoveFreshnessEntryServiceRole`]: "a deny entry goes only once any tenant's taken-down original is in no region (HeadObject)",
  [`${names.stack('storage', 'us-east-1')}/OriginalsReplicationRole`]: 'S3 replication copies every object of the primary bucket to the replicas',
  [`${names.stack('delivery')}/VariantsPolicy`]: 'CloudFront itself (OAC, this distribution only) reads the variants it serves',
};

let synthesized: StackTemplate[];

beforeAll(async () => {
  await buildViewerFunction();
  synthesized = synthesizeForAssertions().app.synth().stacks.map((stack) => ({ stackName: stack.stackName, template: stack.template }));
}, 60_000);

const granteesIn = (stacks: readonly StackTemplate[]) => [...new Set(crossTenantGrants(stacks, TENANT_BUCKETS, TENANTS).map((grant) => grant.grantee))].sort();

describe('tenant prefix scoping across every synthesized policy', () => {
  it('reads every stack', () => {
    expect(synthesized.map((stack) => stack.stackName).sort()).toEqual(
      [...ORIGINALS_REGIONS.map((region) => names.stack('storage', region)), ...['edge', 'delivery', 'pipeline', 'audit'].map((s) => names.stack(s))].sort(),
    );
  });

  it('finds no statement that reaches more than one tenant, except the allowlisted grantees, each of which still needs it', () => {
    expect(granteesIn(synthesized)).toEqual(Object.keys(MAY_SPAN_TENANTS).sort());
  });

  it("fails when a tenant's upload role in the real template gains a wildcard over the bucket root", () => {
    const tampered = structuredClone(synthesized);
    const storage = tampered.find((stack) => stack.stackName === names.stack('storage', 'us-east-1'))!;
    const [, policy] = Object.entries(storage.template.Resources ?? {}).find(([id]) => id.startsWith('UploaddemoDefaultPolicy'))!;
    (policy.Properties!.PolicyDocument as { Statement: object[] }).Statement.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${ORIGINALS}/*` });
    expect(granteesIn(tampered)).toEqual([...Object.keys(MAY_SPAN_TENANTS), `${names.stack('storage', 'us-east-1')}/Uploaddemo`].sort());
  });
});

describe('crossTenantGrants', () => {
  const bucketArn = `arn:aws:s3:::${ORIGINALS}`;
  const template = (resources: Record<string, { Type: string; Properties: Record<string, unknown> }>): StackTemplate[] => [
    { stackName: 'test', template: { Resources: { Originals1234ABCD: { Type: 'AWS::S3::Bucket', Properties: { BucketName: ORIGINALS } }, ...resources } } },
  ];
  const rolePolicy = (...statements: object[]) => template({ PolicyABCD1234: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role0000AAAA' }], PolicyDocument: { Statement: statements } } } });
  const allow = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });

  it.each([
    ['the bucket root', allow('s3:GetObject', `${bucketArn}/*`)],
    ['a prefix without its slash (covers tenant demo-x)', allow('s3:PutObject', `${bucketArn}/demo*`)],
    ['a single-character wildcard in the tenant', allow('s3:GetObject', `${bucketArn}/dem?/*`)],
    ['every resource', allow('s3:*', '*')],
    ['every action on every bucket', allow('*', 'arn:aws:s3:::*')],
    ['a wildcard action on the bucket root', allow('s3:Get*', `${bucketArn}/*`)],
    ['NotResource', { Effect: 'Allow', Action: 's3:GetObject', NotResource: `${bucketArn}/demo/*` }],
    ['NotAction', { Effect: 'Allow', NotAction: 'iam:*', Resource: `${bucketArn}/*` }],
    ['a bucket ARN joined from Fn::GetAtt', allow('s3:DeleteObject', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Originals1234ABCD', 'Arn'] }, '/*']] })],
    ['a partition from Ref AWS::Partition', allow('s3:GetObject', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${ORIGINALS}/*`]] })],
    ['a listing of the whole bucket', allow('s3:ListBucket', bucketArn)],
    ['a listing whose prefix condition spans tenants', allow('s3:ListBucket', bucketArn, { Condition: { StringLike: { 's3:prefix': ['*'] } } })],
    ['a resource it cannot resolve (fails closed)', allow('s3:GetObject', { 'Fn::ImportValue': 'somewhere' })],
  ])('finds a role policy on %s', (_what, statement) => {
    expect(granteesIn(rolePolicy(statement))).toEqual(['test/Role']);
  });

  it.each([
    ['one tenant prefix', allow(['s3:GetObject', 's3:PutObject'], `${bucketArn}/demo/*`)],
    ['a listing kept to one tenant by its prefix condition', allow('s3:ListBucket', bucketArn, { Condition: { StringLike: { 's3:prefix': ['demo/*'] } } })],
    ['a bucket configuration action', allow('s3:PutBucketNotification', { 'Fn::GetAtt': ['Originals1234ABCD', 'Arn'] })],
    ['another bucket', allow('s3:GetObject', 'arn:aws:s3:::someone-elses-bucket/*')],
    ['a non-S3 service on every resource', allow(['xray:PutTraceSegments', 'logs:CreateLogDelivery'], '*')],
    ['a DynamoDB table named like the bucket', allow('dynamodb:GetItem', { 'Fn::GetAtt': ['OriginalsTable99', 'Arn'] })],
    ['a Deny', { Effect: 'Deny', Action: 's3:*', Resource: '*' }],
  ])('passes %s', (_what, statement) => {
    expect(granteesIn(rolePolicy(statement))).toEqual([]);
  });

  it('reads managed policies, inline role policies and bucket policies too', () => {
    const wide = { Statement: [allow('s3:GetObject', `${bucketArn}/*`)] };
    const stacks = template({
      ManagedAAAA1111: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: wide } },
      InlineRoleBBBB2222: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: wide }] } },
      BucketPolicyCCCC3333: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement: [{ ...wide.Statement[0], Principal: { AWS: 'arn:aws:iam::999999999999:root' } }] } } },
    });
    expect(granteesIn(stacks)).toEqual(['test/BucketPolicy', 'test/InlineRole', 'test/Managed']);
  });
});

describe('iamPatternMatches', () => {
  it.each([
    ['a/*', 'a/b/c', true],
    ['a/?', 'a/b', true],
    ['a/?', 'a/bc', false],
    ['a.b', 'aXb', false],
    ['arn:aws:s3:::x/demo/*', 'arn:aws:s3:::x/demo-x/p', false],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(iamPatternMatches(pattern, value)).toBe(expected);
  });
});
