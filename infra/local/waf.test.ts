import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { describe, expect, it } from 'vitest';
import { type DeploymentConfigInput, parseDeploymentConfig, RATE_LIMITED_STATUS, webAclRules } from '../../core/deployment/index.ts';
import { TEST_DEPLOYMENT } from '../../test/support/synth.ts';
import type { EdgeResponse, LocalCloudFront, ViewerRequest } from './cloudfront.ts';
import { LOCAL_DEPLOYMENT } from './deployment.ts';
import { behindWebAcl, compileStatement, createLocalWaf } from './waf.ts';

/** WAF's own minimum rate limit (docs/aws-limits.md §G): the smallest flood that can be shown. */
const LIMIT = 10;
const WINDOW_MS = 300_000;
const FOREIGN = 'https://evil.example/gallery';

function wafFor(mode: 'block' | 'count', tenants: DeploymentConfigInput['tenants'] = LOCAL_DEPLOYMENT.tenants) {
  let clock = 1_700_000_000_000;
  const config = parseDeploymentConfig({ ...TEST_DEPLOYMENT, waf: { mode, requestsPerIpPer5Minutes: LIMIT }, tenants }, { allowLoopbackReferers: true });
  const waf = createLocalWaf(webAclRules(config), { now: () => clock });
  return { waf, advance: (ms: number) => (clock += ms) };
}

const get = (url: string, headers: ViewerRequest['headers'] = {}, ip = '198.51.100.7'): ViewerRequest => ({ method: 'GET', url, headers, ip });
const statusOf = (response: EdgeResponse | undefined) => response?.status ?? 'passed';

describe('local WAF: the deployed rules, evaluated', () => {
  it('refuses a hotlink to the demo tenant with 403 and lets loopback, missing and empty Referers through', () => {
    const { waf } = wafFor('block');
    expect(statusOf(waf.inspect(get('/demo/samples/landscape.jpg?w=640', { referer: FOREIGN })))).toBe(403);
    for (const headers of [{ referer: 'http://127.0.0.1:8080/' }, { referer: 'http://localhost:8080/demo' }, {}, { referer: '' }]) {
      expect(statusOf(waf.inspect(get('/demo/samples/landscape.jpg', headers))), JSON.stringify(headers)).toBe('passed');
    }
    expect(waf.stats()).toMatchObject({ requests: 5, blocked: { 'hotlink-demo': 1 }, counted: {} });
  });

  it('refuses a request without a Referer when the tenant allows none, and leaves other tenants alone', () => {
    const { waf } = wafFor('block', [{ name: 'shop', allowedRefererDomains: ['shop.example'], allowEmptyReferer: false }]);
    expect(statusOf(waf.inspect(get('/shop/a.jpg')))).toBe(403);
    expect(statusOf(waf.inspect(get('/shop/a.jpg', { referer: 'https://www.shop.example/p' })))).toBe('passed');
    expect(statusOf(waf.inspect(get('/demo/a.jpg', { referer: FOREIGN })))).toBe('passed');
  });

  it('matches the tenant prefix after decoding, and survives percent-encoding WAF cannot decode', () => {
    const { waf } = wafFor('block');
    expect(statusOf(waf.inspect(get('/%64emo/a.jpg', { referer: FOREIGN })))).toBe(403);
    expect(statusOf(waf.inspect(get('/DEMO/a.jpg', { referer: FOREIGN })))).toBe(403);
    expect(statusOf(waf.inspect(get('/%zz/%E0%A4%A/a.jpg', { referer: FOREIGN })))).toBe('passed');
  });

  it(`throttles the ${LIMIT + 1}th request of one IP within 5 minutes with ${RATE_LIMITED_STATUS}, whatever X-Forwarded-For says`, () => {
    const { waf, advance } = wafFor('block');
    for (let i = 0; i < LIMIT; i++) expect(statusOf(waf.inspect(get(`/demo/${i}.jpg`, { 'x-forwarded-for': `203.0.113.${i}` })))).toBe('passed');
    expect(statusOf(waf.inspect(get('/demo/next.jpg', { 'x-forwarded-for': '203.0.113.99' })))).toBe(RATE_LIMITED_STATUS);
    expect(statusOf(waf.inspect(get('/demo/next.jpg', {}, '198.51.100.8')))).toBe('passed');
    advance(WINDOW_MS - 1);
    expect(statusOf(waf.inspect(get('/demo/still.jpg')))).toBe(RATE_LIMITED_STATUS);
    expect(waf.stats().blocked).toEqual({ 'rate-per-ip': 2 });
  });

  it('forgets requests older than the evaluation window', () => {
    const { waf, advance } = wafFor('block');
    for (let i = 0; i <= LIMIT; i++) waf.inspect(get('/demo/a.jpg'));
    advance(WINDOW_MS);
    expect(statusOf(waf.inspect(get('/demo/a.jpg')))).toBe('passed');
  });

  it('count mode lets everything through and counts what block mode would refuse', () => {
    const { waf } = wafFor('count');
    for (let i = 0; i <= LIMIT; i++) expect(statusOf(waf.inspect(get('/demo/a.jpg', { referer: FOREIGN })))).toBe('passed');
    expect(waf.stats()).toMatchObject({ requests: LIMIT + 1, blocked: {}, counted: { 'rate-per-ip': 1, 'hotlink-demo': LIMIT + 1 } });
  });

  it('names the managed rule groups it cannot run', () => {
    expect(wafFor('block').waf.stats().notEmulated).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
  });
});

describe('local WAF: what it refuses to model', () => {
  const rule = (statement: object, action: object = { block: {} }) => ({ name: 'r', priority: 1, action, statement, visibilityConfig: { metricName: 'r', cloudWatchMetricsEnabled: false, sampledRequestsEnabled: false } });
  const uri = (textTransformations: object[]) => ({ byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: '/', textTransformations } });

  it.each([
    ['a statement type', { geoMatchStatement: { countryCodes: ['NL'] } }, /not emulated/],
    ['a text transformation', uri([{ priority: 0, type: 'HTML_ENTITY_DECODE' }]), /HTML_ENTITY_DECODE is not emulated/],
    ['a field', { byteMatchStatement: { fieldToMatch: { body: {} }, positionalConstraint: 'EXACTLY', searchString: 'x', textTransformations: [] } }, /field to match/],
    ['a rate limit with a scope-down', { rateBasedStatement: { limit: 10, aggregateKeyType: 'IP', scopeDownStatement: uri([]) } }, /without scope-down/],
    ['a CDK token', { andStatement: { resolve: () => [] } }, /CDK token/],
  ])('throws on %s it does not model, instead of ignoring the rule', (_what, statement, message) => {
    expect(() => createLocalWaf([rule(statement)])).toThrow(message);
  });

  it('throws on an action it does not model', () => {
    expect(() => createLocalWaf([rule(uri([]), { captcha: {} })])).toThrow(/action/);
  });

  it('evaluates or- and not-statements as WAF does', () => {
    const or = compileStatement({ orStatement: { statements: [uri([]), { notStatement: { statement: uri([]) } }] } } as wafv2.CfnWebACL.StatementProperty);
    expect(or({ path: '/x', headers: {}, ip: '192.0.2.1' })).toBe(true);
  });
});

describe('behindWebAcl', () => {
  it('answers a blocked request without calling the distribution, and passes the rest to it', async () => {
    const seen: string[] = [];
    const distribution: LocalCloudFront = {
      stats: { requests: 0, hits: 0, misses: 0, collapsed: 0, functionResponses: 0, originRequestInvocations: 0, originFailovers: 0 },
      invalidate: () => 0,
      handle: async (request) => {
        seen.push(request.url);
        return { status: 200, headers: {}, body: Buffer.alloc(0) };
      },
    };
    const cloudfront = behindWebAcl(distribution, wafFor('block').waf);
    expect((await cloudfront.handle(get('/demo/a.jpg', { referer: FOREIGN }))).status).toBe(403);
    expect((await cloudfront.handle(get('/demo/a.jpg'))).status).toBe(200);
    expect(seen).toEqual(['/demo/a.jpg']);
  });
});
