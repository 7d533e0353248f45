import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsClient, StillRunning } from './ops-client.ts';

/** A stack whose execution `stuck` never leaves RUNNING and whose `done` succeeded after two polls. */
let server: Server;
let endpoint: string;
let polls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
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
