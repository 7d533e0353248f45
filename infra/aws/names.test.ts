/**
 * Every physical name made per tenant fits its AWS limit (docs/aws-limits.md §K) when the
 * deployment name and the tenant names are as long as the config allows, a key-group tenant
 * with the most keys of the longest ids included; one character more is refused by the config,
 * which says the limit.
 */
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_TENANT_LENGTH } from '../../core/index.ts';
import { MAX_DEPLOYMENT_NAME_LENGTH, MAX_PUBLIC_KEY_ID_LENGTH, parseDeploymentConfig } from '../../core/deployment/index.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { LONGEST_DEPLOYMENT_NAME, LONGEST_KEY_GROUP_TENANT, LONGEST_NAMES_DEPLOYMENT } from '../../test/support/longest-names.ts';
import { synthesizeForAssertions, TEST_DEPLOYMENT } from '../../test/support/synth.ts';
import { resourceNames } from './names.ts';

type Properties = Record<string, any>;

/**
 * AWS's length limits on names and comments we generate, per resource type (docs/aws-limits.md §K).
 * CloudFront documents no limit for public key and key group names; 128 is our bound.
 */
const LIMITS: readonly { type: string; what: string; max: number; values: (p: Properties) => unknown[] }[] = [
  { type: 'AWS::IAM::Role', what: 'IAM role name', max: 64, values: (p) => [p.RoleName] },
  { type: 'AWS::CloudFront::PublicKey', what: 'public key name', max: 128, values: (p) => [p.PublicKeyConfig?.Name] },
  { type: 'AWS::CloudFront::PublicKey', what: 'public key comment', max: 128, values: (p) => [p.PublicKeyConfig?.Comment] },
  { type: 'AWS::CloudFront::KeyGroup', what: 'key group name', max: 128, values: (p) => [p.KeyGroupConfig?.Name] },
  { type: 'AWS::CloudFront::KeyGroup', what: 'key group comment', max: 128, values: (p) => [p.KeyGroupConfig?.Comment] },
  { type: 'AWS::WAFv2::WebACL', what: 'WAF rule name', max: 128, values: (p) => (p.Rules ?? []).map((rule: Properties) => rule.Name) },
  {
    type: 'AWS::WAFv2::WebACL',
    what: 'WAF metric name',
    max: 128,
    values: (p) => [p.VisibilityConfig?.MetricName, ...(p.Rules ?? []).map((rule: Properties) => rule.VisibilityConfig?.MetricName)],
  },
];

/** Every literal name of `type` in the synthesized stacks, with what it is and its limit. */
function namesOf(stacks: readonly CloudFormationStackArtifact[], type: string) {
  return stacks.flatMap((stack) =>
    Object.values((stack.template as { Resources: Record<string, { Type: string; Properties?: Properties }> }).Resources)
      .filter((resource) => resource.Type === type)
      .flatMap((resource) =>
        LIMITS.filter((limit) => limit.type === type).flatMap((limit) =>
          limit.values(resource.Properties ?? {})
            .filter((value): value is string => typeof value === 'string')
            .map((value) => ({ stack: stack.stackName, what: limit.what, max: limit.max, value, length: value.length })),
        ),
      ),
  );
}

let stacks: CloudFormationStackArtifact[];

beforeAll(async () => {
  await buildViewerFunction();
  stacks = synthesizeForAssertions(LONGEST_NAMES_DEPLOYMENT).app.synth().stacks;
}, 120_000);

describe(`per-tenant names at the longest: a ${MAX_DEPLOYMENT_NAME_LENGTH}-character deployment, ${MAX_TENANT_LENGTH}-character tenants, ${MAX_PUBLIC_KEY_ID_LENGTH}-character key ids`, () => {
  it('synthesizes, a key-group tenant included, and every generated name fits its AWS limit', () => {
    const types = [...new Set(LIMITS.map((limit) => limit.type))];
    const names = types.flatMap((type) => namesOf(stacks, type));
    expect(names.filter((name) => name.length > name.max)).toEqual([]);
    // Not vacuous: the names the limits bind are there, at their longest.
    const longest = (what: string) => Math.max(...names.filter((name) => name.what === what).map((name) => name.length));
    expect(longest('IAM role name')).toBe(resourceNames({ name: LONGEST_DEPLOYMENT_NAME, account: TEST_DEPLOYMENT.account }).uploadRole(LONGEST_KEY_GROUP_TENANT).length);
    expect(longest('public key name')).toBe(MAX_DEPLOYMENT_NAME_LENGTH + '-edge-'.length + MAX_TENANT_LENGTH + 1 + MAX_PUBLIC_KEY_ID_LENGTH);
    expect(longest('key group name')).toBe(MAX_DEPLOYMENT_NAME_LENGTH + '-edge-'.length + MAX_TENANT_LENGTH);
    expect(names.map((name) => name.value)).toContain(`hotlink-${LONGEST_KEY_GROUP_TENANT}`);
  });

  it('names the upload role {deployment}-upload-{tenant}, 56 characters at the longest (IAM allows 64)', () => {
    const roleName = resourceNames({ name: LONGEST_DEPLOYMENT_NAME, account: TEST_DEPLOYMENT.account }).uploadRole(LONGEST_KEY_GROUP_TENANT);
    expect(roleName).toBe(`${LONGEST_DEPLOYMENT_NAME}-upload-${LONGEST_KEY_GROUP_TENANT}`);
    expect(roleName).toHaveLength(56);
    expect(namesOf(stacks, 'AWS::IAM::Role').map((name) => name.value)).toContain(roleName);
  });
});

describe('one character past the limit is refused by the config, with the limit in the message', () => {
  const withTenant = (name: string) => ({ ...LONGEST_NAMES_DEPLOYMENT, tenants: [{ name }] });

  it(`a tenant name of ${MAX_TENANT_LENGTH + 1} characters`, () => {
    expect(() => parseDeploymentConfig(withTenant('a'.repeat(MAX_TENANT_LENGTH)))).not.toThrow();
    expect(() => parseDeploymentConfig(withTenant('a'.repeat(MAX_TENANT_LENGTH + 1)))).toThrow(
      `tenants.0.name: tenant names are [a-z0-9-]{1,${MAX_TENANT_LENGTH}}: lower-case letters, digits and hyphens, at most ${MAX_TENANT_LENGTH} characters`,
    );
  });

  it(`a deployment name of ${MAX_DEPLOYMENT_NAME_LENGTH + 1} characters`, () => {
    expect(() => parseDeploymentConfig({ ...LONGEST_NAMES_DEPLOYMENT, name: `${LONGEST_DEPLOYMENT_NAME}x` })).toThrow(
      `name: 2 to ${MAX_DEPLOYMENT_NAME_LENGTH} of [a-z0-9-], starting with a letter`,
    );
  });
});
