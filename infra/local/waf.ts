/**
 * AWS WAF, stood in for: the web ACL's rules, as `webAclRules` makes them for
 * CDK (the very data that is deployed, not a second copy of the policy),
 * evaluated against each viewer request before the local CloudFront sees it.
 *
 * As WAF does: rules in priority order; a matching `count` rule is recorded
 * and evaluation goes on; the first matching `block` answers (403, or the
 * rule's custom response code); nothing matching means the default action,
 * allow. A header statement on a header that was not sent never matches. The
 * rate-based statement counts every request it sees per client IP (the
 * connection's address, never X-Forwarded-For) over its evaluation window and
 * matches while that count is above the limit.
 *
 * AWS managed rule groups cannot be run here; they are listed as not emulated.
 * Any other statement, field or transformation this file does not model makes
 * `createLocalWaf` throw, so a new rule cannot be silently ignored locally.
 */
import type { IResolvable } from 'aws-cdk-lib';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { RATE_LIMITED_STATUS } from '../../core/deployment/index.ts';
import type { EdgeResponse, LocalCloudFront, ViewerRequest } from './cloudfront.ts';

type Rule = wafv2.CfnWebACL.RuleProperty;
type Statement = wafv2.CfnWebACL.StatementProperty;

/** What a statement is evaluated against. */
export interface InspectedRequest {
  /** The URI path as received (percent-encoded, no query). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly ip: string;
}

export type Matcher = (request: InspectedRequest) => boolean;

export interface LocalWafStats {
  readonly requests: number;
  /** Requests each rule blocked, by rule name. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Requests each count-mode rule matched (and let through), by rule name. */
  readonly counted: Readonly<Record<string, number>>;
  /** Rules present in the web ACL that the local stack cannot evaluate. */
  readonly notEmulated: readonly string[];
}

export interface LocalWaf {
  /** The block response when a rule blocks the request, else undefined: it goes on to CloudFront. */
  inspect(request: ViewerRequest): EdgeResponse | undefined;
  stats(): LocalWafStats;
}

export interface LocalWafOptions {
  /** Milliseconds since the epoch; tests move it through rate windows. */
  readonly now?: () => number;
}

/** WAF's response to a block without a custom response. */
const DEFAULT_BLOCK_STATUS = 403;
const STATUS_TEXT: Readonly<Record<number, string>> = { [DEFAULT_BLOCK_STATUS]: 'Forbidden', [RATE_LIMITED_STATUS]: 'Too Many Requests' };

type Action = { readonly kind: 'block'; readonly status: number } | { readonly kind: 'count' } | { readonly kind: 'allow' };

interface CompiledRule {
  readonly name: string;
  readonly action: Action;
  readonly matches: Matcher;
}

export function createLocalWaf(rules: readonly Rule[], options: LocalWafOptions = {}): LocalWaf {
  const now = options.now ?? Date.now;
  const notEmulated: string[] = [];
  const compiled: CompiledRule[] = [];
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority)) {
    const statement = plain(rule.statement, `rule ${rule.name}`);
    if (statement.managedRuleGroupStatement !== undefined) notEmulated.push(rule.name);
    else compiled.push({ name: rule.name, action: ruleAction(rule), matches: compileRuleStatement(statement, now, rule.name) });
  }
  let requests = 0;
  const blocked: Record<string, number> = {};
  const counted: Record<string, number> = {};

  return {
    inspect(viewerRequest) {
      requests++;
      const request: InspectedRequest = { path: viewerRequest.url.split('?')[0] as string, headers: viewerRequest.headers, ip: viewerRequest.ip };
      for (const rule of compiled) {
        if (!rule.matches(request)) continue;
        if (rule.action.kind === 'count') {
          counted[rule.name] = (counted[rule.name] ?? 0) + 1;
          continue;
        }
        if (rule.action.kind === 'allow') return undefined;
        blocked[rule.name] = (blocked[rule.name] ?? 0) + 1;
        return blockResponse(rule.action.status);
      }
      return undefined;
    },
    stats: () => ({ requests, blocked: { ...blocked }, counted: { ...counted }, notEmulated: [...notEmulated] }),
  };
}

/**
 * The distribution with the web ACL associated: WAF inspects every viewer
 * request first, so a blocked one never reaches the viewer function or the cache.
 */
export function behindWebAcl(distribution: LocalCloudFront, waf: LocalWaf): LocalCloudFront {
  return {
    ...distribution,
    handle: (request) => {
      const blocked = waf.inspect(request);
      return blocked ? Promise.resolve(blocked) : distribution.handle(request);
    },
  };
}

function blockResponse(status: number): EdgeResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: Buffer.from(STATUS_TEXT[status] ?? 'Blocked'),
  };
}

function ruleAction(rule: Rule): Action {
  const action = plain(rule.action, `rule ${rule.name}: action`) as wafv2.CfnWebACL.RuleActionProperty;
  if (action.count !== undefined) return { kind: 'count' };
  if (action.allow !== undefined) return { kind: 'allow' };
  if (action.block !== undefined) {
    const block = plain(action.block, `rule ${rule.name}: block`) as wafv2.CfnWebACL.BlockActionProperty;
    const custom = block.customResponse === undefined ? undefined : (plain(block.customResponse, `rule ${rule.name}: customResponse`) as wafv2.CfnWebACL.CustomResponseProperty);
    return { kind: 'block', status: custom === undefined ? DEFAULT_BLOCK_STATUS : Number(custom.responseCode) };
  }
  throw new Error(`rule ${rule.name}: action ${JSON.stringify(action)} is not emulated`);
}

/** A rule's top statement: the rate-based statement needs state, the rest are pure. */
function compileRuleStatement(statement: Statement, now: () => number, ruleName: string): Matcher {
  if (statement.rateBasedStatement !== undefined) {
    return rateLimiter(plain(statement.rateBasedStatement, `rule ${ruleName}: rateBasedStatement`) as wafv2.CfnWebACL.RateBasedStatementProperty, now, ruleName);
  }
  return compileStatement(statement);
}

/** A pure WAF statement as a predicate on a request; throws for anything not modelled. */
export function compileStatement(statement: Statement | IResolvable): Matcher {
  const s = plain(statement, 'statement') as Statement;
  if (s.andStatement !== undefined) {
    const inner = statementsOf(plain(s.andStatement, 'andStatement').statements);
    return (request) => inner.every((matches) => matches(request));
  }
  if (s.orStatement !== undefined) {
    const inner = statementsOf(plain(s.orStatement, 'orStatement').statements);
    return (request) => inner.some((matches) => matches(request));
  }
  if (s.notStatement !== undefined) {
    const inner = compileStatement(plain(s.notStatement, 'notStatement').statement);
    return (request) => !inner(request);
  }
  if (s.byteMatchStatement !== undefined) {
    const byte = plain(s.byteMatchStatement, 'byteMatchStatement') as wafv2.CfnWebACL.ByteMatchStatementProperty;
    const field = fieldReader(byte.fieldToMatch);
    const transform = transformations(byte.textTransformations);
    const search = byte.searchString ?? '';
    const compare = POSITIONAL[byte.positionalConstraint];
    if (!compare) throw new Error(`positional constraint ${byte.positionalConstraint} is not emulated`);
    return (request) => {
      const value = field(request);
      return value !== undefined && compare(transform(value), search);
    };
  }
  if (s.regexMatchStatement !== undefined) {
    const regex = plain(s.regexMatchStatement, 'regexMatchStatement') as wafv2.CfnWebACL.RegexMatchStatementProperty;
    const field = fieldReader(regex.fieldToMatch);
    const transform = transformations(regex.textTransformations);
    const pattern = new RegExp(regex.regexString);
    return (request) => {
      const value = field(request);
      return value !== undefined && pattern.test(transform(value));
    };
  }
  throw new Error(`WAF statement ${JSON.stringify(s)} is not emulated`);
}

function statementsOf(list: ReadonlyArray<Statement | IResolvable> | IResolvable): Matcher[] {
  return (plain(list, 'statements') as ReadonlyArray<Statement | IResolvable>).map(compileStatement);
}

const POSITIONAL: Readonly<Record<string, (value: string, search: string) => boolean>> = {
  EXACTLY: (value, search) => value === search,
  STARTS_WITH: (value, search) => value.startsWith(search),
  ENDS_WITH: (value, search) => value.endsWith(search),
  CONTAINS: (value, search) => value.includes(search),
};

function fieldReader(fieldToMatch: wafv2.CfnWebACL.FieldToMatchProperty | IResolvable): (request: InspectedRequest) => string | undefined {
  const field = plain(fieldToMatch, 'fieldToMatch') as wafv2.CfnWebACL.FieldToMatchProperty;
  if (field.uriPath !== undefined) return (request) => request.path;
  if (field.singleHeader !== undefined) {
    const name = String((field.singleHeader as { Name?: unknown }).Name).toLowerCase();
    return (request) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : value?.[0];
    };
  }
  throw new Error(`field to match ${JSON.stringify(field)} is not emulated`);
}

const TRANSFORMS: Readonly<Record<string, (text: string) => string>> = {
  NONE: (text) => text,
  LOWERCASE: (text) => text.toLowerCase(),
  // WAF decodes what it can and leaves the rest, unlike decodeURIComponent, which throws on `%zz`.
  URL_DECODE: (text) => text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
};

function transformations(list: ReadonlyArray<wafv2.CfnWebACL.TextTransformationProperty | IResolvable> | IResolvable): (text: string) => string {
  const steps = (plain(list, 'textTransformations') as ReadonlyArray<wafv2.CfnWebACL.TextTransformationProperty | IResolvable>)
    .map((t) => plain(t, 'textTransformation') as wafv2.CfnWebACL.TextTransformationProperty)
    .sort((a, b) => a.priority - b.priority)
    .map(({ type }) => {
      const step = TRANSFORMS[type];
      if (!step) throw new Error(`text transformation ${type} is not emulated`);
      return step;
    });
  return (text) => steps.reduce((value, step) => step(value), text);
}

/**
 * Requests per client IP in one-second buckets over the trailing window. WAF's
 * own counting is approximate and lags a little (docs/aws-limits.md §G); this one is
 * exact, so a test can name the request that is first refused.
 */
function rateLimiter(rate: wafv2.CfnWebACL.RateBasedStatementProperty, now: () => number, ruleName: string): Matcher {
  if (rate.aggregateKeyType !== 'IP' || rate.scopeDownStatement !== undefined) {
    throw new Error(`rule ${ruleName}: only a rate limit per IP without scope-down is emulated`);
  }
  const limit = Number(rate.limit);
  const windowSeconds = Number(rate.evaluationWindowSec ?? 300);
  // Per IP: its buckets, oldest first, and their running total (every request passes here, bench floods included).
  const windows = new Map<string, { buckets: Array<[second: number, count: number]>; total: number }>();
  return (request) => {
    const second = Math.floor(now() / 1000);
    let window = windows.get(request.ip);
    if (window === undefined) windows.set(request.ip, (window = { buckets: [], total: 0 }));
    const { buckets } = window;
    while (buckets.length > 0 && (buckets[0] as [number, number])[0] <= second - windowSeconds) window.total -= (buckets.shift() as [number, number])[1];
    const last = buckets[buckets.length - 1];
    if (last && last[0] === second) last[1]++;
    else buckets.push([second, 1]);
    window.total++;
    return window.total > limit;
  };
}

/** The value itself; a CDK token here would mean a rule that only CloudFormation could resolve. */
function plain<T extends object>(value: T | IResolvable | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  if (typeof (value as IResolvable).resolve === 'function') throw new Error(`${what} is a CDK token; the local WAF needs plain values`);
  return value as T;
}
