/**
 * A web page the developer has open cannot touch the local stack (issue 18): from a page of
 * another site in real Chromium, requests to every port the stack opens (the front door, each
 * region's S3, DynamoDB, the IAM gate, the Go planner's Runtime API), the kinds a page can send
 * without a preflight, each reach their port and are refused; nothing changed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { originalsBucket } from '../../infra/local/stack.ts';
import { settled, startTestStack, type RunningStack } from '../support/local-stack.ts';
import { launchChromium, withChromium, HAS_CHROMIUM, type Chromium } from './chromium.ts';

const ORIGINAL = 'demo/samples/landscape.jpg';

interface Forged {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
}

/** What each port would have done for a page: delete an original, read a table, take the planner's invocation, take an image down. */
function forgedRequests(running: RunningStack): Forged[] {
  const deleteOriginal = `<Delete><Object><Key>${ORIGINAL}</Key></Object></Delete>`;
  const { listeners } = running.stack.pipeline;
  return [
    { url: `${running.url}/_local/takedown`, method: 'POST', body: JSON.stringify({ tenant: 'demo', key: ORIGINAL, reason: 'a page' }) },
    ...ORIGINALS_REGIONS.map((region) => ({ url: `${running.stack.emulator.endpoint(region).url}/${originalsBucket(region)}?delete`, method: 'POST' as const, body: deleteOriginal })),
    { url: `${listeners.iamGate}/${originalsBucket('us-east-1')}?delete`, method: 'POST', body: deleteOriginal },
    { url: `${listeners.dynamodb}/`, method: 'POST', body: JSON.stringify({ TableName: running.stack.pipeline.tables.originals }) },
    ...(listeners.runtimeApi ? [{ url: `${listeners.runtimeApi}/2018-06-01/runtime/invocation/next`, method: 'GET' as const }] : []),
  ];
}

/** A page of another site (its own origin on another port) that sends `requests` as no-cors fetches and says which got an answer. */
function attackerSite(requests: readonly Forged[]): Promise<Server> {
  const page = `<!doctype html><script>
    window.outcomes = Promise.all(${JSON.stringify(requests)}.map((r) =>
      fetch(r.url, { method: r.method, mode: 'no-cors', body: r.body, headers: r.body ? { 'content-type': 'text/plain' } : {} })
        .then(() => 'answered', (e) => 'failed: ' + e)));
  </script>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!HAS_CHROMIUM)(withChromium('the local stack from a page of another site, in Chromium'), { timeout: 60_000 }, () => {
  let running: RunningStack;
  let browser: Chromium;
  let attacker: Server;
  let requests: Forged[];

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 0 } });
    await settled(running);
    requests = forgedRequests(running);
    attacker = await attackerSite(requests);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await running?.stop();
  });

  it('reaches every port and is refused by each: the original stays everywhere, nothing is taken down, the planner still flushes', async () => {
    const refusals: string[] = [];
    const page = await browser.context.newPage();
    page.on('response', (res) => void (res.status() === 403 && refusals.push(new URL(res.url()).origin)));
    // localhost, not 127.0.0.1: another site as well as another origin.
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    const outcomes = await page.evaluate(() => (window as unknown as { outcomes: Promise<string[]> }).outcomes);

    expect(outcomes).toEqual(requests.map(() => 'answered'));
    expect(new Set(refusals)).toEqual(new Set(requests.map((r) => new URL(r.url).origin)));
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(ORIGINAL)).toBe(true);
    expect(running.stack.pipeline.executions.list({ stateMachine: 'takedown' })).toEqual([]);
    expect((await running.request(`/${ORIGINAL}?w=320&fmt=webp`)).status).toBe(200);
    if (running.stack.pipeline.listeners.runtimeApi) {
      const flush = running.stack.pipeline.flush();
      await settled(running);
      expect(flush.status).toBe('SUCCEEDED');
    }
  });
});
