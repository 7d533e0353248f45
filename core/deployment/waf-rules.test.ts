import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { describe, expect, it } from 'vitest';
import { compileStatement } from '../../infra/local/waf.ts';
import { parseDeploymentConfig, type DeploymentConfigInput } from './config.ts';
import { TEST_DEPLOYMENT } from '../../test/support/synth.ts';
import { MAX_WEB_ACL_WCU, RATE_LIMITED_STATUS, refererPattern, webAclCapacity, webAclRules } from './waf-rules.ts';

type TenantInput = DeploymentConfigInput['tenants'][number];

const SHOP_DOMAINS = ['shop.example', 'shop-cdn.example'];

/** WAF lower-cases the Referer (LOWERCASE transformation) before the regex sees it. */
const refererMatches = (domains: readonly string[], referer: string) => new RegExp(refererPattern(domains)).test(referer.toLowerCase());

describe('refererPattern', () => {
  it.each([
    'https://shop.example/',
    'http://shop.example',
    'https://www.shop.example/p?x=1',
    'https://a.b.shop.example:8443/x',
    'https://shop-cdn.example/gallery',
    'HTTPS://WWW.Shop.Example/Page',
  ])('accepts %j', (referer) => {
    expect(refererMatches(SHOP_DOMAINS, referer)).toBe(true);
  });

  it.each([
    'https://shop.example.evil.com/',
    'https://evilshop.example/',
    'https://shop.exampleX/',
    'https://shop.example:/',
    'https://shop.example@evil.com/',
    'ftp://shop.example/',
    '//shop.example/',
    'shop.example',
    '',
    'https://other.example/?ref=https://shop.example/',
    'https://other.example/shop-cdn.example',
    'https://shopXexample/',
    'https://shop-cdnXexample/',
  ])('refuses %j', (referer) => {
    expect(refererMatches(SHOP_DOMAINS, referer)).toBe(false);
  });

  it('accepts the loopback hosts a developer browses the local stack on, and no other address', () => {
    const loopback = ['localhost', '127.0.0.1'];
    for (const referer of ['http://127.0.0.1:8080/', 'http://localhost:8080/demo', 'http://localhost']) expect(refererMatches(loopback, referer)).toBe(true);
    for (const referer of ['http://127.0.0.10/', 'http://127.0.0.1.evil.com/', 'http://localhost.evil.com/', 'http://127a0a0a1/']) expect(refererMatches(loopback, referer)).toBe(false);
  });

  it('accepts only the domains it was given', () => {
    expect(refererMatches(['shop.example'], 'https://shop.example/')).toBe(true);
    expect(refererMatches(['shop.example'], 'https://shop-cdn.example/')).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// webAclRules

/** The part of the CDK L1 shape these tests read (the CDK types allow IResolvable everywhere). */
interface Transformation {
  priority: number;
  type: string;
}
interface FieldToMatch {
  uriPath?: object;
  singleHeader?: { Name: string };
}
interface Statement {
  andStatement?: { statements: Statement[] };
  notStatement?: { statement: Statement };
  byteMatchStatement?: { fieldToMatch: FieldToMatch; positionalConstraint: string; searchString: string; textTransformations: Transformation[] };
  regexMatchStatement?: { fieldToMatch: FieldToMatch; regexString: string; textTransformations: Transformation[] };
  rateBasedStatement?: { limit: number; aggregateKeyType: string; evaluationWindowSec: number };
  managedRuleGroupStatement?: { vendorName: string; name: string; ruleActionOverrides?: unknown[] };
}
interface Rule {
  name: string;
  priority: number;
  action?: object;
  overrideAction?: object;
  statement: Statement;
}

const MANAGED_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'];

const configWith = (overrides: Partial<DeploymentConfigInput>) => parseDeploymentConfig({ ...TEST_DEPLOYMENT, ...overrides });
const rulesFor = (overrides: Partial<DeploymentConfigInput> = {}): Rule[] => webAclRules(configWith(overrides)) as unknown as Rule[];
const rulesForTenants = (...tenants: TenantInput[]) => rulesFor({ tenants });
const waf = (mode: 'count' | 'block') => ({ ...TEST_DEPLOYMENT.waf, mode });

function ruleNamed(rules: Rule[], name: string): Rule {
  const rule = rules.find((candidate) => candidate.name === name);
  if (!rule) throw new Error(`no rule ${name} in ${rules.map((r) => r.name).join(', ')}`);
  return rule;
}

const hotlinkStatements = (rules: Rule[], tenant: string): Statement[] => ruleNamed(rules, `hotlink-${tenant}`).statement.andStatement?.statements ?? [];

/** Whether a statement matches, as the local WAF (infra/local/waf.ts) evaluates it. */
interface Request {
  path: string;
  referer?: string;
}
const statementMatches = (statement: Statement, request: Request): boolean =>
  compileStatement(statement as wafv2.CfnWebACL.StatementProperty)({
    path: request.path,
    headers: request.referer === undefined ? {} : { referer: request.referer },
    ip: '192.0.2.1',
  });

describe('webAclRules: order', () => {
  it('puts the managed groups first, then the rate rule, then one hotlink rule per tenant with referer domains', () => {
    const rules = rulesForTenants(
      { name: 'alpha', allowedRefererDomains: ['alpha.example'] },
      { name: 'plain' },
      { name: 'gamma', allowedRefererDomains: ['gamma.example'], allowEmptyReferer: false },
    );
    expect(rules.map((rule) => [rule.name, rule.priority])).toEqual([
      [MANAGED_GROUPS[0], 0],
      [MANAGED_GROUPS[1], 1],
      [MANAGED_GROUPS[2], 2],
      ['rate-per-ip', 10],
      ['hotlink-alpha', 20],
      ['hotlink-gamma', 21],
    ]);
  });

  it('gives every rule of the test deployment a unique name and priority, ascending', () => {
    const rules = rulesFor();
    const priorities = rules.map((rule) => rule.priority);
    expect(new Set(rules.map((rule) => rule.name)).size).toBe(rules.length);
    expect(priorities).toEqual([...new Set(priorities)].sort((a, b) => a - b));
  });

  it('makes no hotlink rule for tenants without referer domains', () => {
    expect(rulesFor().map((rule) => rule.name).filter((name) => name.startsWith('hotlink-'))).toEqual(['hotlink-shop']);
    expect(rulesForTenants({ name: 'demo' }, { name: 'open', allowEmptyReferer: false }).map((rule) => rule.name)).toEqual([...MANAGED_GROUPS, 'rate-per-ip']);
  });
});

describe('webAclRules: block and count mode', () => {
  it.each([
    { mode: 'block' as const, rate: { block: { customResponse: { responseCode: RATE_LIMITED_STATUS } } }, action: { block: {} }, overrideAction: { none: {} } },
    { mode: 'count' as const, rate: { count: {} }, action: { count: {} }, overrideAction: { count: {} } },
  ])('$mode mode: rate and hotlink rules $mode, managed groups override to $overrideAction', ({ mode, rate, action, overrideAction }) => {
    const rules = rulesFor({ waf: waf(mode) });
    expect(ruleNamed(rules, 'rate-per-ip').action).toEqual(rate);
    expect(ruleNamed(rules, 'hotlink-shop').action).toEqual(action);
    for (const group of MANAGED_GROUPS) {
      expect(ruleNamed(rules, group)).toMatchObject({ overrideAction, statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } } });
      expect(ruleNamed(rules, group).action).toBeUndefined();
    }
  });

  it.each(['block', 'count'] as const)('%s mode: only counts NoUserAgent_HEADER of the common rule set', (mode) => {
    const overrides = rulesFor({ waf: waf(mode) }).map((rule) => [rule.name, rule.statement.managedRuleGroupStatement?.ruleActionOverrides]);
    expect(overrides.filter(([, override]) => override !== undefined)).toEqual([
      ['AWSManagedRulesCommonRuleSet', [{ name: 'NoUserAgent_HEADER', actionToUse: { count: {} } }]],
    ]);
  });
});

describe('webAclRules: rate limit', () => {
  it('limits each IP to the configured requests per 5 minutes', () => {
    const rules = rulesFor({ waf: { mode: 'block', requestsPerIpPer5Minutes: 1234 } });
    expect(ruleNamed(rules, 'rate-per-ip').statement.rateBasedStatement).toEqual({ limit: 1234, aggregateKeyType: 'IP', evaluationWindowSec: 300 });
  });
});

describe('webAclRules: hotlink rule', () => {
  const shop = (allowEmptyReferer: boolean): TenantInput => ({ name: 'shop', allowedRefererDomains: SHOP_DOMAINS, allowEmptyReferer });

  it('matches the tenant prefix `/{tenant}/` of the URL-decoded, then lower-cased, path', () => {
    const [uri] = hotlinkStatements(rulesForTenants(shop(true)), 'shop');
    expect(uri?.byteMatchStatement).toEqual({
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: '/shop/',
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'LOWERCASE' },
      ],
    });
  });

  it("matches a lower-cased Referer that is not one of the tenant's domains", () => {
    const [, foreign] = hotlinkStatements(rulesForTenants(shop(true)), 'shop');
    expect(foreign?.notStatement?.statement.regexMatchStatement).toEqual({
      fieldToMatch: { singleHeader: { Name: 'referer' } },
      regexString: refererPattern(SHOP_DOMAINS),
      textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
    });
  });

  it.each([
    { allowEmptyReferer: true, statements: 3 },
    { allowEmptyReferer: false, statements: 2 },
  ])('has $statements statements when allowEmptyReferer is $allowEmptyReferer', ({ allowEmptyReferer, statements }) => {
    const all = hotlinkStatements(rulesForTenants(shop(allowEmptyReferer)), 'shop');
    expect(all).toHaveLength(statements);
    if (allowEmptyReferer) expect(all[2]?.regexMatchStatement).toMatchObject({ fieldToMatch: { singleHeader: { Name: 'referer' } }, regexString: '.' });
  });

  const FOREIGN = 'https://evil.example/page';
  it.each<[string, Request, boolean, boolean]>([
    // description, request, matched when allowEmptyReferer is true, matched when false
    ['a foreign Referer', { path: '/shop/a.jpg', referer: FOREIGN }, true, true],
    ['a foreign Referer on an encoded tenant prefix', { path: '/%73hop/a.jpg', referer: FOREIGN }, true, true],
    ['a foreign Referer on an upper-case tenant prefix', { path: '/SHOP/a.jpg', referer: FOREIGN }, true, true],
    ["an allowed domain's subdomain", { path: '/shop/a.jpg', referer: 'https://www.shop.example/p' }, false, false],
    ['an allowed Referer in upper case', { path: '/shop/a.jpg', referer: 'HTTPS://SHOP-CDN.EXAMPLE/' }, false, false],
    ['no Referer', { path: '/shop/a.jpg' }, false, true],
    ['an empty Referer', { path: '/shop/a.jpg', referer: '' }, false, true],
    ["another tenant's path", { path: '/demo/a.jpg', referer: FOREIGN }, false, false],
    ['a tenant that only starts like this one', { path: '/shopping/a.jpg', referer: FOREIGN }, false, false],
  ])('on %s: matches %s with an empty Referer allowed, %s without', (_, request, whenAllowed, whenRefused) => {
    const matchesWith = (allowEmptyReferer: boolean) =>
      statementMatches(ruleNamed(rulesForTenants(shop(allowEmptyReferer)), 'hotlink-shop').statement, request);
    expect([matchesWith(true), matchesWith(false)]).toEqual([whenAllowed, whenRefused]);
  });
});

describe('webAclCapacity', () => {
  /** AWSManagedRulesAmazonIpReputationList 25 + CommonRuleSet 700 + KnownBadInputs 200, and the rate rule's 2. */
  const FIXED = 925 + 2;
  /** STARTS_WITH on the decoded, lower-cased path (2 + 2×10), NOT regex on the lower-cased Referer (3 + 10), and "a Referer was sent" (3 + 10). */
  const HOTLINK = 22 + 13 + 13;
  const hotlinkTenants = (count: number): TenantInput[] => Array.from({ length: count }, (_, i) => ({ name: `t${i}`, allowedRefererDomains: ['site.example'] }));

  it('prices the statements as the WAF guide does', () => {
    expect(webAclCapacity(rulesForTenants({ name: 'demo' }) as never)).toBe(FIXED);
    expect(webAclCapacity(rulesForTenants({ name: 'shop', allowedRefererDomains: SHOP_DOMAINS }) as never)).toBe(FIXED + HOTLINK);
    expect(webAclCapacity(rulesForTenants({ name: 'shop', allowedRefererDomains: SHOP_DOMAINS, allowEmptyReferer: false }) as never)).toBe(FIXED + HOTLINK - 13);
  });

  const fitting = Math.floor((MAX_WEB_ACL_WCU - FIXED) / HOTLINK);
  it(`accepts ${fitting} tenants with hotlink rules (${FIXED + fitting * HOTLINK} WCUs) and refuses one more`, () => {
    expect(configWith({ tenants: hotlinkTenants(fitting) }).tenants).toHaveLength(fitting);
    expect(() => configWith({ tenants: hotlinkTenants(fitting + 1) })).toThrow(`tenants: the web ACL would need ${FIXED + (fitting + 1) * HOTLINK} WCUs, WAF allows ${MAX_WEB_ACL_WCU}`);
  });
});
