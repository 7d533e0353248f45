/**
 * The tasks' DynamoDB, KeyValueStore and CloudFront clients, created with
 * `awsClientConfig` (tasks/shared/environment.ts), end an attempt that never
 * gets an answer at their named deadline, and not before: against a server
 * that accepts every request and never answers, at and past the edge.
 */
import { CloudFrontClient, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CloudFrontKeyValueStoreClient, DescribeKeyValueStoreCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import '@aws-sdk/signature-v4a';
import dns from 'node:dns';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  awsClientConfig,
  CLOUDFRONT_ATTEMPT_TIMEOUT_MS,
  DYNAMODB_ATTEMPT_TIMEOUT_MS,
  KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS,
} from '../../tasks/shared/environment.ts';

const held = new Set<ServerResponse>();
let arrived = 0;
const server = createServer((req, res) => {
  req.resume();
  held.add(res);
  arrived++;
});
let endpoint: string;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

// The KeyValueStore client puts the account id in front of the endpoint's host; names under localhost are the loopback address (RFC 6761 §6.3).
const lookup = dns.lookup;

beforeAll(async () => {
  dns.lookup = ((hostname: string, ...rest: unknown[]) =>
    (lookup as (...args: unknown[]) => void)(hostname.endsWith('.localhost') ? '127.0.0.1' : hostname, ...rest)) as typeof dns.lookup;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://localhost:${(server.address() as AddressInfo).port}`;
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

/** Resolves once the server has seen `n` requests in all. */
async function arrivals(n: number): Promise<void> {
  while (arrived < n) await new Promise((resolve) => setImmediate(resolve));
}

const clients = [
  ['DynamoDB', DYNAMODB_ATTEMPT_TIMEOUT_MS, () => new DynamoDBClient({ ...awsClientConfig('dynamodb'), endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }).send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'k' } } }))],
  [
    'CloudFront KeyValueStore',
    KEY_VALUE_STORE_ATTEMPT_TIMEOUT_MS,
    () =>
      new CloudFrontKeyValueStoreClient({ ...awsClientConfig('keyValueStore'), endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }).send(
        new DescribeKeyValueStoreCommand({ KvsARN: 'arn:aws:cloudfront::000000000000:key-value-store/00000000-0000-0000-0000-000000000000' }),
      ),
  ],
  ['CloudFront', CLOUDFRONT_ATTEMPT_TIMEOUT_MS, () => new CloudFrontClient({ ...awsClientConfig('cloudFront'), endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }).send(new GetInvalidationCommand({ DistributionId: 'E1', Id: 'I1' }))],
] as const;

describe('a task’s AWS client against a service that never answers', () => {
  it.each(clients)('%s: the attempt fails with a TimeoutError at its deadline (%i ms), not before', async (_service, deadlineMs, call) => {
    const before = arrived;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const state: { settled: boolean; error?: unknown } = { settled: false };
    call().then(
      () => (state.settled = true),
      (error: unknown) => Object.assign(state, { settled: true, error }),
    );
    await arrivals(before + 1);
    await vi.advanceTimersByTimeAsync(deadlineMs - 1);
    expect(state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitUntil(() => state.settled);
    expect(state.error).toMatchObject({ name: 'TimeoutError' });
  });
});
