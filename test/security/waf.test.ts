/**
 * The web ACL over HTTP on the local stack: the rules `webAclRules` makes for
 * CDK, applied by the local WAF in front of the local CloudFront. A hotlink is
 * refused, a flood is throttled, count mode only counts, and /_local/stats
 * shows which rule did what.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeploymentConfig, RATE_LIMITED_STATUS } from '../../core/deployment/index.ts';
import { TEST_DEPLOYMENT } from '../support/synth.ts';
import { EDGE_ONLY, startTestStack, type RunningStack } from '../support/local-stack.ts';

const IMAGE = '/demo/samples/landscape.jpg?w=256&fmt=jpeg';
const FOREIGN = 'https://evil.example/gallery';
/** WAF's minimum rate limit (docs/aws-limits.md §G). */
const LIMIT = 10;
const FLOOD = 3 * LIMIT;

let running: RunningStack | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const localDeployment = (mode: 'block' | 'count') =>
  parseDeploymentConfig({ ...TEST_DEPLOYMENT, waf: { mode, requestsPerIpPer5Minutes: LIMIT }, tenants: [{ name: 'demo', allowedRefererDomains: ['localhost', '127.0.0.1'] }] }, { allowLoopbackReferers: true });

async function wafStats(stack: RunningStack) {
  return ((await (await stack.request('/_local/stats')).json()) as { waf: { requests: number; blocked: Record<string, number>; counted: Record<string, number> } }).waf;
}

/** `count` GETs of the image at once, each from a different claimed client: statuses in order. */
async function flood(stack: RunningStack, count: number): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => stack.request(IMAGE, { headers: { 'x-forwarded-for': `203.0.113.${i}` } }).then(async (res) => (await res.arrayBuffer(), res.status))),
  );
  return responses;
}

describe('WAF on the local stack (npm start config)', () => {
  it('refuses a hotlinked request with 403 and serves the same image with no Referer or a loopback one', async () => {
    running = await startTestStack(EDGE_ONLY);
    const hotlinked = await running.request(IMAGE, { headers: { referer: FOREIGN } });
    expect(hotlinked.status).toBe(403);
    expect(hotlinked.headers.get('x-cache')).toBeNull(); // WAF answered: CloudFront never saw it
    expect((await running.request(IMAGE)).status).toBe(200);
    expect((await running.request(IMAGE, { headers: { referer: `${running.url}/` } })).status).toBe(200);
    expect(await wafStats(running)).toMatchObject({ requests: 3, blocked: { 'hotlink-demo': 1 }, counted: {} });
  });
});

describe('WAF on the local stack, rate limit of 10 per IP per 5 minutes', () => {
  it(`block mode: a flood of ${FLOOD} is throttled with ${RATE_LIMITED_STATUS} after the first ${LIMIT}, X-Forwarded-For notwithstanding`, async () => {
    running = await startTestStack({ ...EDGE_ONLY, deployment: localDeployment('block') });
    const statuses = await flood(running, FLOOD);
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === RATE_LIMITED_STATUS)).toHaveLength(FLOOD - LIMIT);
    expect(await wafStats(running)).toMatchObject({ requests: FLOOD, blocked: { 'rate-per-ip': FLOOD - LIMIT } });
    expect((await running.request(IMAGE)).status).toBe(RATE_LIMITED_STATUS);
  });

  it('count mode: the same flood and a hotlink all pass, and are counted', async () => {
    running = await startTestStack({ ...EDGE_ONLY, deployment: localDeployment('count') });
    expect(await flood(running, FLOOD)).toEqual(Array(FLOOD).fill(200));
    expect((await running.request(IMAGE, { headers: { referer: FOREIGN } })).status).toBe(200);
    expect(await wafStats(running)).toMatchObject({ requests: FLOOD + 1, blocked: {}, counted: { 'rate-per-ip': FLOOD + 1 - LIMIT, 'hotlink-demo': 1 } });
  });
});
