import { describe, expect, it } from 'vitest';
import { MAX_KEYS_PER_ORIGINAL, MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION, MAX_TENANT_LENGTH } from '../contract/limits.ts';
import {
  MAX_KEY_GROUP_TENANTS,
  MAX_PUBLIC_KEYS_PER_TENANT,
  MAX_REFERER_DOMAINS,
  parseDeploymentConfig,
  tenantConfig,
  type DeploymentConfigInput,
} from './config.ts';
import { deployment } from '../../infra/aws/deployment.ts';
import { MAX_WAF_REGEX_LENGTH, refererPattern } from './waf-rules.ts';
import { TEST_DEPLOYMENT, TEST_PUBLIC_KEY } from '../../test/support/synth.ts';

type TenantInput = DeploymentConfigInput['tenants'][number];

const withTenants = (...tenants: TenantInput[]): DeploymentConfigInput => ({ ...TEST_DEPLOYMENT, tenants });
const withDomain = (name: string, zoneName: string): DeploymentConfigInput => ({
  ...TEST_DEPLOYMENT,
  domain: { ...TEST_DEPLOYMENT.domain, name, zoneName },
});

const publicKeys = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `key-${i}`, pem: TEST_PUBLIC_KEY }));
const keyGroupTenant = (name: string, keyCount = 1): TenantInput => ({ name, signing: { mode: 'key-group', publicKeys: publicKeys(keyCount) } });
const keyGroupTenants = (count: number): TenantInput[] => Array.from({ length: count }, (_, i) => keyGroupTenant(`signed-${i}`));
const refererDomains = (count: number): string[] => Array.from({ length: count }, (_, i) => `site${i}.example`);
const ascendingRungs = (count: number): number[] => Array.from({ length: count }, (_, i) => (i + 1) * 100);

/** The `path: message` lines of the refusal, or a failure if the config was accepted. */
function problemsOf(input: DeploymentConfigInput): string[] {
  try {
    parseDeploymentConfig(input);
  } catch (error) {
    const [header, ...lines] = (error as Error).message.split('\n');
    expect(header).toBe('infra/aws/deployment.ts is not a deployable config:');
    return lines.map((line) => line.trim());
  }
  expect.unreachable('the config was accepted');
}

/** Exactly one problem, on `path`, whose message contains `message`. */
function expectOneProblem(input: DeploymentConfigInput, path: string, message = '') {
  const problems = problemsOf(input);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: `));
  expect(problems[0]).toContain(message);
}

describe('accepted configs', () => {
  it('parses the checked-in deployment', () => {
    const config = parseDeploymentConfig(deployment);
    expect(config.tenants.map((tenant) => tenant.name)).toEqual(['demo', 'shop']);
    expect(config.tenants[1]?.allowedRefererDomains).toEqual(['shop.example', 'shop-cdn.example']);
  });

  it('parses TEST_DEPLOYMENT, keeping the values it sets', () => {
    const config = parseDeploymentConfig(TEST_DEPLOYMENT);
    expect(config.tenants.map((tenant) => [tenant.name, tenant.signing.mode])).toEqual([
      ['demo', 'none'],
      ['shop', 'hmac'],
      ['signed', 'key-group'],
    ]);
    expect(config.tenants[1]).toMatchObject({ ladder: [320, 640, 1280], allowEmptyReferer: false });
  });

  it('applies the defaults to a tenant that only has a name', () => {
    const [tenant] = parseDeploymentConfig(withTenants({ name: 'demo' })).tenants;
    expect(tenant).toEqual({
      name: 'demo',
      allowedRefererDomains: [],
      allowEmptyReferer: true,
      signing: { mode: 'none' },
      uploadPrincipals: [],
    });
  });

  it('accepts a domain at the apex of its zone and deep inside it', () => {
    expect(() => parseDeploymentConfig(withDomain('example.com', 'example.com'))).not.toThrow();
    expect(() => parseDeploymentConfig(withDomain('img.cdn.example.com', 'example.com'))).not.toThrow();
  });

  it('accepts root and role upload principals', () => {
    const uploadPrincipals = ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:role/team/uploader'];
    expect(parseDeploymentConfig(withTenants({ name: 'demo', uploadPrincipals })).tenants[0]?.uploadPrincipals).toEqual(uploadPrincipals);
  });
});

describe('limits, at the edge and one past it', () => {
  it(`tenant name: ${MAX_TENANT_LENGTH} characters accepted, ${MAX_TENANT_LENGTH + 1} refused`, () => {
    expect(() => parseDeploymentConfig(withTenants({ name: 'a'.repeat(MAX_TENANT_LENGTH) }))).not.toThrow();
    expectOneProblem(withTenants({ name: 'a'.repeat(MAX_TENANT_LENGTH + 1) }), 'tenants.0.name', '[a-z0-9-]{1,32}');
  });

  it(`ladder: ${MAX_LADDER_RUNGS} rungs accepted (h held to a ratio), ${MAX_LADDER_RUNGS + 1} refused`, () => {
    expect(() => parseDeploymentConfig(withTenants({ name: 'demo', ladder: ascendingRungs(MAX_LADDER_RUNGS), ratios: ['1:1'] }))).not.toThrow();
    expectOneProblem(withTenants({ name: 'demo', ladder: ascendingRungs(MAX_LADDER_RUNGS + 1), ratios: ['1:1'] }), 'tenants.0.ladder', `1..${MAX_LADDER_RUNGS} rungs`);
  });

  it(`variants per original: ${MAX_KEYS_PER_ORIGINAL} accepted, more refused, naming what to restrict`, () => {
    expect(() => parseDeploymentConfig(withTenants({ name: 'demo', ladder: ascendingRungs(12) }))).not.toThrow();
    expectOneProblem(withTenants({ name: 'demo', ladder: ascendingRungs(13) }), 'tenants.0', 'allows 11248 variants of each original, more than 9616');
    expect(() => parseDeploymentConfig(withTenants({ name: 'demo', ladder: ascendingRungs(13), qualities: [60, 85] }))).not.toThrow();
  });

  it('qualities and ratios: the tenant config the viewer reads, W:H spelled as pairs', () => {
    const config = parseDeploymentConfig(withTenants({ name: 'demo', qualities: [60, 85], ratios: ['16:9', '1:1'] }));
    expect(tenantConfig(config.tenants[0]!)).toEqual({ qualities: [60, 85], ratios: [[16, 9], [1, 1]] });
    expectOneProblem(withTenants({ name: 'demo', ratios: ['16x9'] }), 'tenants.0.ratios', 'ratio "16x9" is not W:H');
    expectOneProblem(withTenants({ name: 'demo', ratios: ['1:1', '2:2'] }), 'tenants.0.ratios', 'ratio 2:2 has the shape of one listed before it (1:1)');
    expectOneProblem(withTenants({ name: 'demo', qualities: [70] }), 'tenants.0.qualities', 'qualities must be 1 to 5 of 40, 60, 75, 85, 95');
  });

  it('fits and background: the tenant config the viewer reads; a fit list without inside, or a colour not #rrggbb, refused', () => {
    const config = parseDeploymentConfig(withTenants({ name: 'demo', fits: ['inside', 'cover'], background: '#1d2330' }));
    expect(tenantConfig(config.tenants[0]!)).toEqual({ fits: ['inside', 'cover'], background: '#1d2330' });
    expectOneProblem(withTenants({ name: 'demo', fits: ['cover'] }), 'tenants.0.fits', 'inside among them');
    expectOneProblem(withTenants({ name: 'demo', background: 'navy' }), 'tenants.0.background', 'background must be a colour #rrggbb');
    // 13 rungs are past the bound with four fits, within it with inside alone: (27 + 169) × 16 = 3,136.
    expect(() => parseDeploymentConfig(withTenants({ name: 'demo', ladder: ascendingRungs(13), fits: ['inside'] }))).not.toThrow();
  });

  it(`ladder rung: ${MAX_OUTPUT_DIMENSION} accepted, ${MAX_OUTPUT_DIMENSION + 1} refused`, () => {
    expect(() => parseDeploymentConfig(withTenants({ name: 'demo', ladder: [640, MAX_OUTPUT_DIMENSION] }))).not.toThrow();
    expectOneProblem(withTenants({ name: 'demo', ladder: [640, MAX_OUTPUT_DIMENSION + 1] }), 'tenants.0.ladder', `${MAX_OUTPUT_DIMENSION + 1} is outside`);
  });

  it(`public keys: ${MAX_PUBLIC_KEYS_PER_TENANT} accepted, 0 and ${MAX_PUBLIC_KEYS_PER_TENANT + 1} refused`, () => {
    expect(() => parseDeploymentConfig(withTenants(keyGroupTenant('signed', MAX_PUBLIC_KEYS_PER_TENANT)))).not.toThrow();
    expectOneProblem(withTenants(keyGroupTenant('signed', 0)), 'tenants.0.signing.publicKeys');
    expectOneProblem(withTenants(keyGroupTenant('signed', MAX_PUBLIC_KEYS_PER_TENANT + 1)), 'tenants.0.signing.publicKeys');
  });

  it(`key-group tenants: ${MAX_KEY_GROUP_TENANTS} accepted (hmac tenants not counted), ${MAX_KEY_GROUP_TENANTS + 1} refused`, () => {
    const atLimit = [...keyGroupTenants(MAX_KEY_GROUP_TENANTS), { name: 'hmac', signing: { mode: 'hmac' } } satisfies TenantInput];
    expect(parseDeploymentConfig(withTenants(...atLimit)).tenants).toHaveLength(MAX_KEY_GROUP_TENANTS + 1);
    expectOneProblem(withTenants(...keyGroupTenants(MAX_KEY_GROUP_TENANTS + 1)), 'tenants', `${MAX_KEY_GROUP_TENANTS + 1} tenants use key groups`);
  });

  it(`referer domains whose WAF regex is ${MAX_WAF_REGEX_LENGTH} characters are accepted, one more is refused`, () => {
    // Ten domains; the last one's label length moves the regex one character at a time.
    const domains = (length: number, last: number) => [
      ...Array.from({ length: 9 }, (_, i) => `s${i}${'x'.repeat(length)}.example`),
      `${'y'.repeat(last)}.example`,
    ];
    const sizes = Array.from({ length: 60 }, (_, i) => i + 1);
    const [length, last] = sizes.flatMap((l) => sizes.map((k) => [l, k] as const)).find(([l, k]) => refererPattern(domains(l, k)).length === MAX_WAF_REGEX_LENGTH)!;
    expect(parseDeploymentConfig(withTenants({ name: 'shop', allowedRefererDomains: domains(length, last) })).tenants[0]?.allowedRefererDomains).toHaveLength(10);
    expectOneProblem(withTenants({ name: 'shop', allowedRefererDomains: domains(length, last + 1) }), 'tenants.0.allowedRefererDomains', `WAF allows ${MAX_WAF_REGEX_LENGTH}`);
  });

  it(`referer domains: ${MAX_REFERER_DOMAINS} accepted, ${MAX_REFERER_DOMAINS + 1} refused`, () => {
    const atLimit = parseDeploymentConfig(withTenants({ name: 'shop', allowedRefererDomains: refererDomains(MAX_REFERER_DOMAINS) }));
    expect(atLimit.tenants[0]?.allowedRefererDomains).toHaveLength(MAX_REFERER_DOMAINS);
    expectOneProblem(withTenants({ name: 'shop', allowedRefererDomains: refererDomains(MAX_REFERER_DOMAINS + 1) }), 'tenants.0.allowedRefererDomains');
  });
});

describe('refused configs name the offending field', () => {
  it.each<[string, DeploymentConfigInput, string, string?]>([
    ['an upper-case tenant name', withTenants({ name: 'Shop' }), 'tenants.0.name', 'tenant names are'],
    ['an empty tenant name', withTenants({ name: '' }), 'tenants.0.name'],
    ['a tenant name with a slash', withTenants({ name: 'demo' }, { name: 'a/b' }), 'tenants.1.name'],
    ['a tenant listed twice', withTenants({ name: 'shop' }, { name: 'demo' }, { name: 'shop' }), 'tenants', 'tenant shop is listed twice'],
    ['a descending ladder', withTenants({ name: 'demo' }, { name: 'shop', ladder: [640, 320] }), 'tenants.1.ladder', 'strictly ascending'],
    ['a repeated ladder rung', withTenants({ name: 'demo', ladder: [320, 320] }), 'tenants.0.ladder', 'strictly ascending'],
    ['an empty ladder', withTenants({ name: 'demo', ladder: [] }), 'tenants.0.ladder', 'rungs'],
    ['a domain in another zone', withDomain('img.example.org', 'example.com'), 'domain.name', 'img.example.org is not in the zone example.com'],
    ['a domain that only ends like the zone', withDomain('img.badexample.com', 'example.com'), 'domain.name', 'is not in the zone'],
    ['the zone under the domain', withDomain('example.com', 'img.example.com'), 'domain.name', 'is not in the zone'],
    ['an 11-digit account', { ...TEST_DEPLOYMENT, account: '12345678901' }, 'account', '12-digit'],
    ['a 13-digit account', { ...TEST_DEPLOYMENT, account: '1234567890123' }, 'account', '12-digit'],
    ['a non-numeric account', { ...TEST_DEPLOYMENT, account: '12345678901x' }, 'account', '12-digit'],
    ['no tenants', withTenants(), 'tenants'],
  ])('refuses %s', (_, input, path, message) => {
    expectOneProblem(input, path, message);
  });

  it('accepts the loopback hosts a browser on the local stack sends as referer domains in the local config only', () => {
    const local = withTenants({ name: 'demo', allowedRefererDomains: ['localhost', '127.0.0.1'] });
    expect(parseDeploymentConfig(local, { allowLoopbackReferers: true }).tenants[0]?.allowedRefererDomains).toEqual(['localhost', '127.0.0.1']);
    expect(() => parseDeploymentConfig(local)).toThrow(/tenants\.0\.allowedRefererDomains: localhost, 127\.0\.0\.1 is for the local stack only/);
  });

  it.each(['https://shop.example', 'shop.example/', 'Shop.Example', 'intranet', '10.0.0.1', 'LOCALHOST', '*.shop.example', 'shop..example', '-shop.example', 'shop.example:443'])(
    'refuses the referer domain %j',
    (domain) => {
      expectOneProblem(withTenants({ name: 'shop', allowedRefererDomains: ['ok.example', domain] }), 'tenants.0.allowedRefererDomains.1', 'DNS name');
    },
  );

  it.each([
    'arn:aws:iam::12345678901:root',
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:s3:::bucket',
    '123456789012',
    '*',
  ])('refuses the upload principal %j', (principal) => {
    expectOneProblem(withTenants({ name: 'demo', uploadPrincipals: ['arn:aws:iam::123456789012:root', principal] }), 'tenants.0.uploadPrincipals.1');
  });
});
