/** The front door over HTTP: which Host it answers on, and tenant config that fails closed. */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ObjectStore } from '../../core/index.ts';
import { rawRequest } from '../../test/support/cross-site.ts';
import { EDGE_ONLY, setFault, startTestStack, upload, type RunningStack } from '../../test/support/local-stack.ts';
import { generateLocalSigningKeys, type LocalSigningKeys } from './dev-keys.ts';
import { seedSignedTenants } from './seed.ts';
import { MAX_UPLOADS_IN_FLIGHT, serveLocalStack, UPLOAD_RETRY_AFTER_SECONDS } from './server.ts';
import { PRIMARY_REGION } from './stack.ts';

describe('the front door', () => {
  let running: RunningStack;
  let keys: LocalSigningKeys;
  let samples: { hmac: string };

  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    keys = generateLocalSigningKeys();
    samples = await seedSignedTenants(running.stack, keys);
  });
  afterAll(() => running.stop());

  const get = (path: string, host: string) => rawRequest(running.url, path, { headers: { host } });
  const port = () => new URL(running.url).port;

  it('answers the console, its JSON and images on 127.0.0.1 and localhost, and none of them on another Host (DNS rebinding)', async () => {
    const paths = ['/_local/stats', '/_local/originals', '/_local/executions', '/', '/demo/samples/landscape.jpg?w=256&fmt=jpeg'];
    for (const path of paths) {
      for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) {
        const answer = await get(path, host);
        expect(answer.status, `${host} ${path}`).toBe(200);
        expect(answer.headers['access-control-allow-origin'], `${host} ${path}`).toBeUndefined();
      }
      for (const host of ['evil.example', `evil.example:${port()}`, `127.0.0.1.evil.example:${port()}`]) {
        const answer = await get(path, host);
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(answer.body), `${host} ${path}`).toEqual({ error: `the local stack answers on 127.0.0.1 and localhost only, not on Host ${host}` });
      }
    }
  });

  it('refuses PUT /_local/tenants/signed-demo {} with 409: the tenant still requires signatures', async () => {
    const unsigned = `/${samples.hmac}?w=256&fmt=webp`;
    const before = await running.request(unsigned);
    const put = await running.request(`/_local/tenants/${keys.hmac.tenant}`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(409);
    expect(((await put.json()) as { error: string }).error).toContain('send "signing": "hmac" to keep them, or "signing": "none" with "confirmPublic": true');
    const after = await running.request(unsigned);
    expect([before.status, after.status]).toEqual([403, 403]);
    expect(await after.text()).toBe(await before.text());
    const ladderOnly = await running.request(`/_local/tenants/${keys.hmac.tenant}`, { method: 'PUT', body: JSON.stringify({ ladder: [256, 512] }) });
    expect(ladderOnly.status).toBe(409);
    const withoutConfirm = await running.request(`/_local/tenants/${keys.hmac.tenant}`, { method: 'PUT', body: JSON.stringify({ signing: 'none' }) });
    expect(withoutConfirm.status).toBe(409);
    expect((await running.request(unsigned)).status).toBe(403);
  });

  it('keeps a mode the body names, and makes a signing tenant public when told explicitly', async () => {
    running.stack.putTenant('opened', { signing: 'hmac' });
    const missing = '/opened/missing.jpg?w=256';
    expect(await (await running.request(missing)).text()).toContain('signature required');
    const kept = await running.request('/_local/tenants/opened', { method: 'PUT', body: JSON.stringify({ signing: 'hmac', ladder: [256, 512] }) });
    expect(kept.status).toBe(200);
    expect(await kept.json()).toEqual({ tenant: 'opened', config: { ladder: [256, 512], signing: 'hmac' } });
    expect((await running.request(missing)).status).toBe(403);

    const opened = await running.request('/_local/tenants/opened', { method: 'PUT', body: JSON.stringify({ signing: 'none', confirmPublic: true }) });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toEqual({ tenant: 'opened', config: {} });
    expect((await running.request(missing)).status).toBe(404); // no signature asked: the image is what is missing
  });

  it('registers a new tenant from {} as before: public', async () => {
    expect((await running.request('/_local/tenants/fresh', { method: 'PUT', body: '{}' })).status).toBe(200);
    expect((await running.request('/fresh/missing.jpg?w=256')).status).toBe(404); // a known tenant: the image is what is missing
  });
});

describe('the upload API under load', () => {
  let running: RunningStack;
  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
  });
  afterAll(() => running.stop());

  /** About what a 1600×1200 photo weighs, so a refused body is a real one still being sent. */
  const photoSized = () => randomBytes(450 * 1024);
  const busyAnswer = async (res: Response) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), cacheControl: res.headers.get('cache-control'), error: ((await res.json()) as { error: string }).error });

  it(`stores MAX_UPLOADS_IN_FLIGHT (${MAX_UPLOADS_IN_FLIGHT}) at once and answers one more 503 with Retry-After, unstored; 201 each once stored`, async () => {
    const store = running.stack.originals[PRIMARY_REGION] as { put: ObjectStore['put'] };
    const put = store.put.bind(store);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let putting = 0;
    store.put = async (...args) => {
      putting++;
      await held;
      return put(...args);
    };
    try {
      const atTheEdge = Array.from({ length: MAX_UPLOADS_IN_FLIGHT }, (_, i) => upload(running, `demo/load/held-${i}.jpg`, photoSized(), 'image/jpeg'));
      await vi.waitFor(() => expect(putting).toBe(MAX_UPLOADS_IN_FLIGHT), { timeout: 20_000 });
      const past = await upload(running, 'demo/load/one-more.jpg', photoSized(), 'image/jpeg');
      expect(await busyAnswer(past)).toEqual({
        status: 503,
        retryAfter: String(UPLOAD_RETRY_AFTER_SECONDS),
        cacheControl: 'no-store',
        error: `busy: ${MAX_UPLOADS_IN_FLIGHT} uploads are being stored already; retry after ${UPLOAD_RETRY_AFTER_SECONDS} s`,
      });
      expect(putting).toBe(MAX_UPLOADS_IN_FLIGHT);
      expect(await running.stack.originals[PRIMARY_REGION].exists('demo/load/one-more.jpg')).toBe(false);

      release();
      expect((await Promise.all(atTheEdge)).map((res) => res.status)).toEqual(Array(MAX_UPLOADS_IN_FLIGHT).fill(201));
      expect(await running.stack.originals[PRIMARY_REGION].exists('demo/load/held-0.jpg')).toBe(true);
    } finally {
      store.put = put;
      release();
    }
    // The slots are free again: the one refused goes in now.
    expect((await upload(running, 'demo/load/one-more.jpg', photoSized(), 'image/jpeg')).status).toBe(201);
  });

  it('cuts off uploads whose bodies stall past the bound (408, connection closed, slot released): stalled clients cannot lock out every upload', async () => {
    // A second front door on the same stack (the uploads in flight are the stack's), with a bound short enough to wait for.
    const boundMs = 2_000;
    const { server, url } = await serveLocalStack(running.stack, 0, { uploadBodyTimeoutMs: boundMs });
    const clients: ClientRequest[] = [];
    type Answer = { status: number; connection?: string; error?: string };
    const answers: Answer[] = [];
    // The route takes its slot before its first await: once a request event has passed, the upload holds one.
    let received = 0;
    server.on('request', () => received++);
    try {
      for (let i = 0; i < MAX_UPLOADS_IN_FLIGHT; i++) {
        // Headers saying 450 KiB, 64 KiB of it, then nothing: the client stalls with its slot.
        const req = httpRequest(`${url}/_local/originals/demo/load/stalled-${i}.jpg`, { method: 'PUT', agent: false, headers: { 'content-type': 'image/jpeg', 'content-length': String(450 * 1024) } });
        let answer: Answer = { status: 0 };
        req.on('response', (res) => {
          answer = { status: res.statusCode ?? 0, connection: res.headers.connection };
          res.resume();
        });
        req.on('error', (err) => (answer = { ...answer, error: err.message }));
        req.on('close', () => answers.push(answer));
        req.write(randomBytes(64 * 1024));
        clients.push(req);
      }
      // Every slot is held by a stalled client: an upload that sends its whole body is refused meanwhile.
      await vi.waitFor(() => expect(received).toBe(MAX_UPLOADS_IN_FLIGHT), { timeout: boundMs });
      expect((await upload(running, 'demo/load/while-stalled.jpg', photoSized(), 'image/jpeg')).status).toBe(503);
      // Past the bound each stalled upload is answered 408 and its connection closed, none of it stored.
      await vi.waitFor(() => expect(answers).toHaveLength(MAX_UPLOADS_IN_FLIGHT), { timeout: 10 * boundMs });
      expect(answers).toEqual(Array(MAX_UPLOADS_IN_FLIGHT).fill({ status: 408, connection: 'close' }));
      expect(await running.stack.originals[PRIMARY_REGION].exists('demo/load/stalled-0.jpg')).toBe(false);
      // Their slots are free: the next upload is stored.
      expect((await upload(running, 'demo/load/after-stall.jpg', photoSized(), 'image/jpeg')).status).toBe(201);
      expect(await running.stack.originals[PRIMARY_REGION].exists('demo/load/after-stall.jpg')).toBe(true);
    } finally {
      for (const req of clients) req.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers 503 with Retry-After, not 500, while the originals bucket is down, and 201 once it is back', async () => {
    await setFault(running, PRIMARY_REGION, 'unavailable');
    try {
      const answer = await busyAnswer(await upload(running, 'demo/load/outage.jpg', photoSized(), 'image/jpeg'));
      expect(answer).toMatchObject({ status: 503, retryAfter: String(UPLOAD_RETRY_AFTER_SECONDS), cacheControl: 'no-store' });
      expect(answer.error).toMatch(/^busy: the originals bucket in us-east-1 is unavailable .*send it again/);
    } finally {
      await setFault(running, PRIMARY_REGION, 'none');
    }
    expect((await upload(running, 'demo/load/outage.jpg', photoSized(), 'image/jpeg')).status).toBe(201);
  });
});
