/** The front door over HTTP: which Host it answers on, and tenant config that fails closed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test/support/cross-site.ts';
import { EDGE_ONLY, startTestStack, type RunningStack } from '../../test/support/local-stack.ts';
import { generateLocalSigningKeys, type LocalSigningKeys } from './dev-keys.ts';
import { seedSignedTenants } from './seed.ts';

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
