import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsClient, OperationFailed, StillRunning } from './ops-client.ts';

/** A stack whose execution `stuck` never leaves RUNNING and whose `done` succeeded after two polls. */
let server: Server;
let endpoint: string;
let polls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method === 'PUT') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
      return res.end(JSON.stringify({ error: 'busy' }));
    }
    const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    const status = id === 'done' && ++polls > 2 ? 'SUCCEEDED' : 'RUNNING';
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, status, events: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('settled', () => {
  it('returns the execution once it is no longer running', async () => {
    await expect(createOpsClient(endpoint).settled('done', { pollMs: 1 })).resolves.toMatchObject({ id: 'done', status: 'SUCCEEDED' });
  });

  it('stops waiting on an execution stuck in RUNNING, naming it', async () => {
    const waiting = createOpsClient(endpoint).settled('stuck', { pollMs: 5, timeoutMs: 50 });
    await expect(waiting).rejects.toBeInstanceOf(StillRunning);
    await expect(waiting).rejects.toThrow(/^stuck is still running after/);
  });
});

describe('an error answer', () => {
  it('carries its status, reason and Retry-After', async () => {
    const failed = await createOpsClient(endpoint).upload('demo/a.jpg', new Uint8Array([1]), 'image/jpeg').catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(OperationFailed);
    expect(failed).toMatchObject({ status: 503, message: 'busy', retryAfter: '2' });
  });
});
