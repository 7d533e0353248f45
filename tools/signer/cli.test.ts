import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLocalSigningKeys } from '../../infra/local/dev-keys.ts';
import { checkSignedUrl } from '../../infra/local/signed-urls.ts';
import { runSignCli } from './cli.ts';

const keys = generateLocalSigningKeys();
const dir = mkdtempSync(join(tmpdir(), 'imgedge-sign-'));
const NOW = new Date('2030-01-01T00:00:00Z');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSignCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), localKeys: async () => keys, now: NOW });
  return { code, out, err };
}

describe('npm run sign', () => {
  it('signs for the local hmac tenant with its local key, ttl 3600 by default', async () => {
    const { code, out, err } = await run('http://127.0.0.1:8080/signed-demo/samples/landscape.jpg?w=640', '--tenant', 'signed-demo');
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out[0]).toMatch(new RegExp(`\\?w=640&kid=${keys.hmac.kid}&exp=${NOW.getTime() / 1000 + 3600}&sig=`));
  });

  it('signs for the local key-group tenant, canned or custom, with --ttl', async () => {
    const trusted = [{ id: keys.keyGroup.keyPairId, publicKey: keys.keyGroup.publicKey }];
    const url = 'http://127.0.0.1:8080/keygroup-demo/samples/landscape.jpg?w=640';
    const canned = await run(url, '--tenant', 'keygroup-demo', '--ttl', '60');
    expect(new URL(canned.out[0]!).searchParams.get('Expires')).toBe(String(NOW.getTime() / 1000 + 60));
    const custom = await run(url, '--tenant', 'keygroup-demo', '--policy', 'custom', '--ip', '127.0.0.1');
    for (const signed of [canned.out[0]!, custom.out[0]!]) expect(checkSignedUrl(signed, trusted, NOW, '127.0.0.1')).toEqual({ ok: true });
  });

  it('signs with key files: a secret file and kid, or a PEM and Key-Pair-Id', async () => {
    writeFileSync(join(dir, 'secret.txt'), `${keys.hmac.secret}\n`);
    writeFileSync(join(dir, 'key.pem'), keys.keyGroup.privateKey);
    const hmac = await run('https://img.example.com/shop/a.jpg', '--tenant', 'shop', '--secret-file', join(dir, 'secret.txt'), '--kid', 'k2026');
    expect(hmac.out[0]).toMatch(/a\.jpg\?kid=k2026&exp=\d+&sig=[\w-]{43}$/);
    const keyGroup = await run('https://img.example.com/shop/a.jpg', '--tenant', 'shop', '--key-file', join(dir, 'key.pem'), '--key-pair-id', 'K2JCJMDEHXQW5F');
    expect(keyGroup.out[0]).toContain('Key-Pair-Id=K2JCJMDEHXQW5F');
  });

  it.each([
    [['--tenant', 'signed-demo'], 'give the URL to sign'],
    [['http://x/signed-demo/a.jpg'], '--tenant is required'],
    [['http://x/signed-demo/a.jpg', '--tenant', 'signed-demo', '--ttl', 'soon'], '--ttl must be a number of seconds'],
    [['http://x/signed-demo/a.jpg', '--tenant', 'signed-demo', '--bogus'], "Unknown option '--bogus'"],
    [['http://x/demo/a.jpg', '--tenant', 'demo'], 'no local key signs for tenant demo'],
    [['http://x/signed-demo/a.jpg', '--tenant', 'signed-demo', '--policy', 'custom'], '--policy and --ip are for key-group signing'],
    [['http://x/shop/a.jpg', '--tenant', 'shop', '--kid', 'k1'], 'hmac signing needs both --secret-file and --kid'],
    [['http://x/shop/a.jpg', '--tenant', 'shop', '--kid', 'k1', '--key-file', 'k.pem'], 'give either'],
    [['http://x/shop/a.jpg', '--tenant', 'shop', '--secret-file', '/nonexistent/s', '--kid', 'k1'], 'cannot read /nonexistent/s: ENOENT'],
  ])('%j: exit 2 with "%s" and the usage, no stack trace', async (argv, message) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).toContain('usage: npm run sign');
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with the reason when the local keys cannot be read', async () => {
    const err: string[] = [];
    const code = await runSignCli(['http://x/signed-demo/a.jpg', '--tenant', 'signed-demo'], {
      out: () => undefined,
      err: (line) => err.push(line),
      localKeys: () => Promise.reject(new Error('cannot read the local signing keys in k.json: delete it to make new ones')),
    });
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^sign: cannot read the local signing keys in k.json/);
  });

  it('exits 1 with the reason when the URL cannot be signed', async () => {
    const { code, err } = await run('http://x/keygroup-demo/a.jpg', '--tenant', 'signed-demo');
    expect(code).toBe(1);
    expect(err).toEqual(['sign: the URL is for tenant keygroup-demo, not signed-demo']);
  });
});
