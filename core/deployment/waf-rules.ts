/**
 * The CLOUDFRONT-scope web ACL (lives in us-east-1): AWS managed rule groups,
 * a rate limit per client IP, and one hotlink rule per tenant that lists the
 * sites allowed to embed its images. `waf.mode: count` turns every block into
 * a count, to watch a new policy before it refuses anyone.
 */
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';

type Rule = wafv2.CfnWebACL.RuleProperty;

/** What the rules are made from: the deployment config's WAF policy and tenants (config.ts checks it). */
export interface WafPolicy {
  readonly waf: { readonly mode: 'block' | 'count'; readonly requestsPerIpPer5Minutes: number };
  readonly tenants: readonly WafTenant[];
}
interface WafTenant {
  readonly name: string;
  readonly allowedRefererDomains: readonly string[];
  readonly allowEmptyReferer: boolean;
}

/**
 * Managed groups in priority order, with their capacity in WCUs (docs/aws-limits.md §G).
 * Missing User-Agent is only counted: native apps and mail proxies fetch images without one.
 */
const MANAGED_RULE_GROUPS: ReadonlyArray<{ name: string; wcu: number; countOnly?: readonly string[] }> = [
  { name: 'AWSManagedRulesAmazonIpReputationList', wcu: 25 },
  { name: 'AWSManagedRulesCommonRuleSet', wcu: 700, countOnly: ['NoUserAgent_HEADER'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', wcu: 200 },
];

/**
 * A web ACL may use at most 5,000 WCUs (since April 2023; 1,500 are in the base
 * price, each further 500 adds a per-request fee). Source: AWS What's New
 * 2023-04-11 "AWS WAF web ACL capacity units limits", and
 * docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html.
 */
export const MAX_WEB_ACL_WCU = 5_000;
/** Base WCUs per statement type and per text transformation (the WAF developer guide's page for each statement type). */
const WCU = {
  stringMatch: { EXACTLY: 2, STARTS_WITH: 2, ENDS_WITH: 2, CONTAINS: 10, CONTAINS_WORD: 10 } as Readonly<Record<string, number>>,
  regexMatch: 3,
  rateBased: 2,
  perTransformation: 10,
} as const;

/** RegexMatchStatement.RegexString is at most 512 characters (AWS WAF API). */
export const MAX_WAF_REGEX_LENGTH = 512;

const RATE_LIMIT_PRIORITY = 10;
const HOTLINK_FIRST_PRIORITY = 20;
/** WAF counts requests per IP over this window (seconds); the config's limit is per 5 minutes. */
const RATE_WINDOW_SECONDS = 300;
/**
 * What a throttled client gets, instead of WAF's default 403 for a block: a
 * flood is told to slow down, and a hotlink refusal (403) stays distinguishable.
 * A block action may carry a custom response code (AWS WAF CustomResponse).
 */
export const RATE_LIMITED_STATUS = 429;

export const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  metricName,
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
});

/**
 * A Referer from one of the domains or their subdomains, any scheme port or path:
 * `https://shop.example/…`, `http://www.shop.example:8080`. Not `https://shop.example.evil/`.
 */
export function refererPattern(domains: readonly string[]): string {
  const alternatives = domains.map((domain) => domain.replaceAll('.', '\\.')).join('|');
  return `^https?://([a-z0-9-]+\\.)*(${alternatives})(:[0-9]+)?(/|$)`;
}

function hotlinkRule(tenant: WafTenant, priority: number, action: wafv2.CfnWebACL.RuleActionProperty): Rule {
  const referer = { singleHeader: { Name: 'referer' } };
  const lowercase = [{ priority: 0, type: 'LOWERCASE' }];
  const statements: wafv2.CfnWebACL.StatementProperty[] = [
    {
      // Decoded and lower-cased first, so `/%73hop/…` or `/SHOP/…` is matched too: stricter than the viewer function, which answers those 400.
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString: `/${tenant.name}/`,
        textTransformations: [
          { priority: 0, type: 'URL_DECODE' },
          { priority: 1, type: 'LOWERCASE' },
        ],
      },
    },
    {
      notStatement: {
        statement: { regexMatchStatement: { fieldToMatch: referer, regexString: refererPattern(tenant.allowedRefererDomains), textTransformations: lowercase } },
      },
    },
  ];
  if (tenant.allowEmptyReferer) {
    // A header-field statement never matches a missing header: this one means "a Referer was sent".
    statements.push({ regexMatchStatement: { fieldToMatch: referer, regexString: '.', textTransformations: lowercase } });
  }
  return {
    name: `hotlink-${tenant.name}`,
    priority,
    action,
    statement: { andStatement: { statements } },
    visibilityConfig: visibility(`hotlink-${tenant.name}`),
  };
}

export function webAclRules(config: WafPolicy): Rule[] {
  const blocking = config.waf.mode === 'block';
  const action: wafv2.CfnWebACL.RuleActionProperty = blocking ? { block: {} } : { count: {} };
  const managed: Rule[] = MANAGED_RULE_GROUPS.map((group, priority) => ({
    name: group.name,
    priority,
    overrideAction: blocking ? { none: {} } : { count: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name: group.name,
        ...(group.countOnly && { ruleActionOverrides: group.countOnly.map((name) => ({ name, actionToUse: { count: {} } })) }),
      },
    },
    visibilityConfig: visibility(group.name),
  }));
  const rate: Rule = {
    name: 'rate-per-ip',
    priority: RATE_LIMIT_PRIORITY,
    action: blocking ? { block: { customResponse: { responseCode: RATE_LIMITED_STATUS } } } : action,
    statement: {
      rateBasedStatement: { limit: config.waf.requestsPerIpPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: RATE_WINDOW_SECONDS },
    },
    visibilityConfig: visibility('rate-per-ip'),
  };
  const hotlink = config.tenants
    .filter((tenant) => tenant.allowedRefererDomains.length > 0)
    .map((tenant, i) => hotlinkRule(tenant, HOTLINK_FIRST_PRIORITY + i, action));
  return [...managed, rate, ...hotlink];
}

/**
 * The WCUs these rules need, summed statement by statement as the WAF guide
 * prices them: an upper bound (WAF may charge a transformation shared by two
 * statements once). Each hotlink rule costs 35–48, so about 80 tenants with
 * referer domains fit beside the managed groups.
 */
export function webAclCapacity(rules: readonly Rule[]): number {
  const managed = new Map(MANAGED_RULE_GROUPS.map((group) => [group.name, group.wcu]));
  const statementWcu = (statement: wafv2.CfnWebACL.StatementProperty): number => {
    const s = statement as {
      andStatement?: { statements: wafv2.CfnWebACL.StatementProperty[] };
      notStatement?: { statement: wafv2.CfnWebACL.StatementProperty };
      byteMatchStatement?: { positionalConstraint: string; textTransformations: unknown[] };
      regexMatchStatement?: { textTransformations: unknown[] };
      rateBasedStatement?: object;
      managedRuleGroupStatement?: { name: string };
    };
    if (s.andStatement) return s.andStatement.statements.reduce((sum, inner) => sum + statementWcu(inner), 0);
    if (s.notStatement) return statementWcu(s.notStatement.statement);
    if (s.byteMatchStatement) return (WCU.stringMatch[s.byteMatchStatement.positionalConstraint] ?? WCU.stringMatch.CONTAINS!) + WCU.perTransformation * s.byteMatchStatement.textTransformations.length;
    if (s.regexMatchStatement) return WCU.regexMatch + WCU.perTransformation * s.regexMatchStatement.textTransformations.length;
    if (s.rateBasedStatement) return WCU.rateBased;
    if (s.managedRuleGroupStatement) return managed.get(s.managedRuleGroupStatement.name) ?? MAX_WEB_ACL_WCU;
    throw new Error(`no WCU price for ${JSON.stringify(statement)}`);
  };
  return rules.reduce((sum, rule) => sum + statementWcu(rule.statement as wafv2.CfnWebACL.StatementProperty), 0);
}
