/**
 * Custom::TenantKeys against a KeyValueStore that never answers: the deploy fails with a
 * reason, not an hour later when CloudFormation gives up on the resource. A file of its own:
 * index.test.ts mocks every CloudFrontKeyValueStoreClient, these need the real one.
 */
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import dns from 'node:dns';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRESHNESS_SLOTS } from '../../../core/index.ts';
import { KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS } from '../../../tasks/shared/environment.ts';
import { ANSWER_MS, createHandler, KVS_CLIENT_CONFIG } from './index.ts';

const held = new Set<ServerResponse>();
let responses: Array<Record<string, string>>;
let arrived = 0;
/** Answers CloudFormation's response PUT; holds every KeyValueStore request, unanswered. */
const server = createServer((req, res) => {
  if (req.url === '/response') {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      responses.push(JSON.parse(body) as Record<string, string>);
      res.end();
    });
    return;
  }
  req.resume();
  held.add(res);
  arrived++;
});
let port: number;
// The KeyValueStore client puts the account id in front of the endpoint's host; names under localhost are the loopback address (RFC 6761 §6.3).
const lookup = dns.lookup;

beforeAll(async () => {
  dns.lookup = ((hostname: string, ...rest: unknown[]) =>
    (lookup as (...args: unknown[]) => void)(hostname.endsWith('.localhost') ? '127.0.0.1' : hostname, ...rest)) as typeof dns.lookup;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
beforeEach(() => {
  responses = [];
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  dns.lookup = lookup;
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The handler of the deployed function: its client's configuration, here the endpoint. */
const handler = () =>
  createHandler(
    new CloudFrontKeyValueStoreClient({ ...KVS_CLIENT_CONFIG, endpoint: `http://localhost:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );

const deploy: CloudFormationCustomResourceEvent = {
  RequestType: 'Update',
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  ResponseURL: '',
  StackId: 'stack',
  RequestId: 'request',
  LogicalResourceId: 'TenantKeys',
  PhysicalResourceId: 'p',
  ResourceType: 'Custom::TenantKeys',
  ResourceProperties: { ServiceToken: 'x', KvsArn: 'arn:aws:cloudfront::123456789012:key-value-store/abc', Entries: [], FreshnessSlots: String(FRESHNESS_SLOTS) },
  OldResourceProperties: { ServiceToken: 'x', KvsArn: 'arn:aws:cloudfront::123456789012:key-value-store/abc', Entries: [] },
};
const deployEvent = (): CloudFormationCustomResourceEvent => ({ ...deploy, ResponseURL: `http://127.0.0.1:${port}/response` });

describe('Custom::TenantKeys against a KeyValueStore that never answers', () => {
  it('fails the deploy when every attempt of a call times out, within the attempts’ deadlines (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const before = arrived;
    let answered = false;
    void handler()(deployEvent()).then(() => (answered = true));
    let fakeMs = 0;
    // Real I/O between the steps of the fake clock: each attempt reaches the server before its deadline can run out.
    while (!answered) {
      await vi.waitUntil(() => arrived > before || answered, { timeout: 5_000 });
      await new Promise((resolve) => setImmediate(resolve));
      // No fake timer pending: the handler waits on real I/O only (its answer to CloudFormation), which the
      // fake clock must not run on past, or a loaded machine's slow PUT reads as a late failure.
      await vi.waitUntil(() => answered || vi.getTimerCount() > 0, { timeout: 10_000 });
      if (answered) break;
      await vi.advanceTimersByTimeAsync(50);
      fakeMs += 50;
      if (fakeMs > 60_000) throw new Error('no answer to CloudFormation after a minute of the fake clock');
    }
    expect(responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^TimeoutError/) })]);
    // The SDK's 3 attempts of the one call (DescribeKeyValueStore), and their backoff.
    expect(arrived - before).toBe(3);
    expect(fakeMs).toBeLessThanOrEqual(3 * KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS + 1_000);
  });

  it("answers FAILED before the function's own timeout, whatever call is under way", async () => {
    const started = performance.now();
    // 300 ms of the function's time left once the answer's share is kept: far less than one attempt's deadline.
    await handler()(deployEvent(), { getRemainingTimeInMillis: () => ANSWER_MS + 300 });
    expect(responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(new RegExp(`^TimeoutError: stopped ${ANSWER_MS} ms before the function's timeout \\(.+\\); what was written stays, and the next deploy continues from there$`)),
      }),
    ]);
    expect(performance.now() - started).toBeLessThan(KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS);
  });
});
