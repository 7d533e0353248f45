/**
 * URL fuzzing of the BUILT viewer function (dist/edge/viewer-request.js) in
 * the local CloudFront Functions sandbox, with events made the way the local
 * CloudFront makes them. Whatever the URL: no throw and no 5xx; a refusal is a
 * 4xx; a request that goes on names a known tenant's key in its one canonical
 * spelling, below the tenant the URL named, never a taken-down original; the
 * rewrite is a fixed point; and the hotlink rule of that tenant covers the
 * URL as sent (WAF and the viewer function agree on whose image it is).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_PARAMS, DENIED, keyToUri } from '../../core/index.ts';
import { parseDeploymentConfig, webAclRules } from '../../core/deployment/index.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { TEST_DEPLOYMENT } from '../support/synth.ts';
import { freshnessEntries } from '../viewer/fixture-store.ts';
import { viewerEvent } from '../../infra/local/cloudfront.ts';
import { loadViewerFunction, type CloudFrontFunction } from '../../infra/local/cloudfront-function-runtime.ts';
import { createLocalWaf } from '../../infra/local/waf.ts';
import { hostileHeaders, hostilePath, hostileQuery, KNOWN_TENANTS, rawTenantOf, SEED, unsafeKeyReason } from './hostile-urls.ts';

/** Generated URLs; with the origin fuzz (test/security/origin-fuzz.test.ts) the suite runs ≥ 100,000. */
export const VIEWER_FUZZ_RUNS = 40_000;

const DENIED_ORIGINAL = 'demo/banned/photo.jpg';
const STORE = new Map([
  ['t:demo', '{}'],
  ['t:acme', JSON.stringify({ ladder: [100, 200, 400] })],
  ...freshnessEntries({ [DENIED_ORIGINAL]: DENIED }),
]);
/** The answers the function may generate itself: malformed, unsigned or badly signed, unknown tenant, taken down. */
const REFUSALS = [400, 401, 403, 404, 451];

/** Hotlink rules for both tenants, in block mode; the rate limit out of the way. */
const waf = createLocalWaf(
  webAclRules(
    parseDeploymentConfig({
      ...TEST_DEPLOYMENT,
      waf: { mode: 'block', requestsPerIpPer5Minutes: 2_000_000_000 },
      tenants: KNOWN_TENANTS.map((name) => ({ name, allowedRefererDomains: ['own.example'] })),
    }),
  ),
);

let viewer: CloudFrontFunction;

beforeAll(async () => {
  await buildViewerFunction();
  viewer = await loadViewerFunction({ kvs: STORE });
});

const outcomes = { refused: new Map<number, number>(), served: 0 };

async function run(url: string, headers: Record<string, string>) {
  return viewer.handler(viewerEvent({ method: 'GET', url, headers, ip: '198.51.100.1' }));
}

describe('fuzzing the built viewer function', () => {
  it(`keeps every invariant for ${VIEWER_FUZZ_RUNS.toLocaleString('en-US')} hostile URLs`, async () => {
    await fc.assert(
      fc.asyncProperty(hostilePath, hostileQuery, hostileHeaders, async (path, query, headers) => {
        const url = query ? `${path}?${query}` : path;
        const result = await run(url, headers);
        if ('statusCode' in result) {
          expect(REFUSALS, `${url} → ${result.statusCode} ${JSON.stringify(result.body)}`).toContain(result.statusCode);
          outcomes.refused.set(result.statusCode, (outcomes.refused.get(result.statusCode) ?? 0) + 1);
          return;
        }
        outcomes.served++;
        const tenant = rawTenantOf(url.split('?')[0] as string);
        expect(KNOWN_TENANTS as readonly string[], url).toContain(tenant);
        const key = decodeURIComponent(result.uri.slice(1));
        expect(unsafeKeyReason(key, tenant), url).toBeUndefined();
        expect(result.uri, 'one spelling per key').toBe(keyToUri(key));
        expect(key).not.toBe(DENIED_ORIGINAL);
        for (const [name, field] of Object.entries(result.querystring)) {
          expect(ALLOWED_PARAMS as readonly string[]).toContain(name);
          expect(field.value).toMatch(/^[a-z0-9]+$/);
        }
        const query2 = Object.entries(result.querystring).map(([name, field]) => `${name}=${field.value}`).join('&');
        const again = await run(`${result.uri}?${query2}`, headers);
        expect(again, 'the rewrite is a fixed point').toEqual(result);
        expect(waf.inspect({ method: 'GET', url, headers: { referer: 'https://evil.example/' }, ip: '198.51.100.1' })?.status, `hotlink rule misses ${url}`).toBe(403);
      }),
      { numRuns: VIEWER_FUZZ_RUNS, seed: SEED },
    );
    // The generator must reach both sides, or the properties above prove little.
    expect(outcomes.served).toBeGreaterThan(VIEWER_FUZZ_RUNS / 20);
    for (const status of [400, 404, 451]) expect(outcomes.refused.get(status) ?? 0, `no ${status} generated`).toBeGreaterThan(0);
    console.info(`viewer fuzz: ${VIEWER_FUZZ_RUNS} URLs, ${outcomes.served} rewritten, refused ${JSON.stringify(Object.fromEntries(outcomes.refused))}`);
  }, 120_000);
});
