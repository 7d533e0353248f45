import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_REQUESTS, rawRequest } from '../../test/support/cross-site.ts';
import { isLoopbackHost, loopbackOnly } from './loopback-guard.ts';

describe('isLoopbackHost', () => {
  it('takes 127.0.0.1, [::1], localhost and names under localhost, with a port or not', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:8080', '[::1]', '[::1]:9000', 'localhost', 'LOCALHOST:1', '000000000000.localhost:4566']) expect(isLoopbackHost(host), host).toBe(true);
  });

  it('refuses every other name, and none', () => {
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost.evil.example', 'evil-localhost', '127.0.0.2', '0.0.0.0', '[::1]evil', '127.0.0.1:', '']) expect(isLoopbackHost(host), host).toBe(false);
    expect(isLoopbackHost(undefined)).toBe(false);
  });
});

describe('loopbackOnly', () => {
  let server: Server;
  let url: string;
  let served = 0;

  beforeAll(async () => {
    // A stand-in as permissive as dynalite: CORS headers on every answer, set each way Node allows.
    server = createServer(
      loopbackOnly((req, res) => {
        served++;
        res.setHeader('Access-Control-Allow-Origin', '*');
        if (req.url === '/flat') res.writeHead(200, ['Access-Control-Allow-Credentials', 'true', 'x-kept', 'flat']);
        else res.writeHead(200, { 'access-control-expose-headers': 'etag', 'x-kept': 'object' });
        res.end('served');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each(BROWSER_REQUESTS)('refuses $name with 403 before the stand-in sees it', async ({ method, headers }) => {
    const before = served;
    const answer = await rawRequest(url, '/', { method: method ?? 'POST', headers, body: '<Delete/>' });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/^refused .*: this port serves the local stack's AWS clients only/);
    expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(served).toBe(before);
  });

  it('refuses OPTIONS even without an Origin', async () => {
    expect((await rawRequest(url, '/', { method: 'OPTIONS' })).status).toBe(403);
  });

  it('serves a request as the SDK sends it, without the CORS headers the stand-in set', async () => {
    for (const [path, kept] of [['/', 'object'], ['/flat', 'flat']] as const) {
      const answer = await rawRequest(url, path, { headers: { host: new URL(url).host, 'user-agent': 'aws-sdk-js/3' } });
      expect(answer.status, path).toBe(200);
      expect(answer.headers['x-kept'], path).toBe(kept);
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-')), path).toEqual([]);
    }
  });
});
