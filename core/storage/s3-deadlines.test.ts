/**
 * Every S3 call ends, against a server that accepts the request and never
 * answers, or answers the headers and never the body: the attempt-level
 * timeouts of createS3Client (enforced, not the warning the handler logs by
 * default) and the per-call deadline of S3ObjectStore, each at and past its edge.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailable } from '../errors.ts';
import { S3_CALL_TIMEOUT_MS, S3ObjectStore } from './object-store.ts';
import { createS3Client, S3_FIRST_BYTE_TIMEOUT_MS, S3_IDLE_TIMEOUT_MS } from './s3-client.ts';

type Behavior = 'never' | 'headers-only';

/** An S3 endpoint that hangs: every request is held (`never`), or gets its headers and a first chunk and then nothing. */
function hangingS3(behavior: Behavior) {
  const held = new Set<ServerResponse>();
  let arrived = 0;
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    held.add(res);
    req.resume();
    arrived++;
    waiters.splice(0).forEach((wake) => wake());
    if (behavior === 'headers-only') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '1000' });
      res.write(Buffer.alloc(10));
    }
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Resolves once `n` requests have reached the server. */
    async requests(n: number): Promise<void> {
      while (arrived < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether a promise has settled yet, without awaiting it. */
function track(promise: Promise<unknown>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => (state.settled = true),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] };
/** One turn of the (fake) event loop past a deadline (core/storage/deadline.ts waits it before expiring). */
const LOOP_TURN_MS = 1;

let s3: ReturnType<typeof hangingS3>;
let endpoint: string;

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await s3.stop();
});

describe('an S3 attempt that never answers', () => {
  beforeEach(async () => {
    s3 = hangingS3('never');
    endpoint = await s3.start();
  });

  it('fails with a TimeoutError at S3_FIRST_BYTE_TIMEOUT_MS, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = createS3Client({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    const call = track(client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    await s3.requests(1);
    await vi.advanceTimersByTimeAsync(S3_FIRST_BYTE_TIMEOUT_MS - 1);
    expect(call.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitUntil(() => call.settled);
    expect(call.error).toMatchObject({ name: 'TimeoutError' });
  });

  it('is retried on a new attempt, since a TimeoutError is transient to the SDK', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = createS3Client({ region: 'us-east-1', endpoint, maxAttempts: 2 });
    const call = track(client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    await s3.requests(1);
    await vi.advanceTimersByTimeAsync(S3_FIRST_BYTE_TIMEOUT_MS);
    await vi.advanceTimersByTimeAsync(1_000); // the retry's backoff
    await s3.requests(2);
    expect(call.settled).toBe(false);
  });

  // Why the configuration says throwOnRequestTimeout: the installed handler's requestTimeout alone only warns.
  it('without throwOnRequestTimeout, only logs a warning at requestTimeout and keeps waiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: { requestTimeout: 100 },
    });
    const call = track(client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    await s3.requests(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(call.settled).toBe(false);
    expect(warn.mock.calls.flat().join(' ')).toContain('throwOnRequestTimeout=true');
    client.destroy();
  });
});

describe('an S3ObjectStore call against a hung S3', () => {
  beforeEach(async () => {
    s3 = hangingS3('never');
    endpoint = await s3.start();
    vi.useFakeTimers(FAKE);
  });

  const store = () => new S3ObjectStore(createS3Client({ region: 'us-east-1', endpoint }), 'bucket');

  it.each([
    ['get', (s: S3ObjectStore) => s.get('k', { maxBytes: 1_000 })],
    ['exists', (s: S3ObjectStore) => s.exists('k')],
    ['putIfAbsent', (s: S3ObjectStore) => s.putIfAbsent('k', Buffer.from('x'), { contentType: 'image/webp' })],
    ['delete', (s: S3ObjectStore) => s.delete('k')],
  ] as const)('%s fails as StoreUnavailable at S3_CALL_TIMEOUT_MS, not before', async (_name, call) => {
    const state = track(call(store()));
    await s3.requests(1);
    await vi.advanceTimersByTimeAsync(S3_CALL_TIMEOUT_MS - 1);
    expect(state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    await vi.waitUntil(() => state.settled);
    expect(state.error).toBeInstanceOf(StoreUnavailable);
  });

  it('takes a caller’s signal instead of its own deadline: the caller owns the budget', async () => {
    const controller = new AbortController();
    const state = track(store().get('k', { maxBytes: 1_000, signal: controller.signal }));
    await s3.requests(1);
    await vi.advanceTimersByTimeAsync(S3_CALL_TIMEOUT_MS + 1_000);
    expect(state.settled).toBe(false);
    controller.abort();
    await vi.waitUntil(() => state.settled);
    expect(state.error).toBeInstanceOf(StoreUnavailable);
  });
});

describe('an S3 GET whose body stops flowing', () => {
  beforeEach(async () => {
    s3 = hangingS3('headers-only');
    endpoint = await s3.start();
    vi.useFakeTimers(FAKE);
  });

  it('fails at S3_CALL_TIMEOUT_MS, the deadline holding while the body is read', async () => {
    let answered!: () => void;
    const answering = new Promise<void>((resolve) => (answered = resolve));
    const get = new S3ObjectStore(createS3Client({ region: 'us-east-1', endpoint }), 'bucket').get('k', { maxBytes: 10_000, onResponse: () => answered() });
    const state = track(get);
    await answering; // not vi.waitUntil, which moves fake time while it waits
    await vi.advanceTimersByTimeAsync(S3_CALL_TIMEOUT_MS - 1);
    expect(state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(LOOP_TURN_MS + 1);
    await vi.waitUntil(() => state.settled);
    expect(state.error).toBeInstanceOf(StoreUnavailable);
  });
});

describe('an S3 attempt whose body stops flowing, with no budget of its caller’s', () => {
  beforeEach(async () => {
    s3 = hangingS3('headers-only');
    endpoint = await s3.start();
  });

  // socket.setTimeout runs on the socket's own timer, which fake timers do not move: real time, generous bounds.
  it('is dropped once its socket has been silent for S3_IDLE_TIMEOUT_MS, not before', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    const out = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    const start = performance.now();
    const read = (async () => {
      for await (const _chunk of out.Body as AsyncIterable<Uint8Array>) {
        // the first 10 bytes, then silence
      }
    })();
    await expect(read).rejects.toThrow();
    expect(performance.now() - start).toBeGreaterThanOrEqual(S3_IDLE_TIMEOUT_MS - 100);
  }, S3_IDLE_TIMEOUT_MS + 60_000);
});
