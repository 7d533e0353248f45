import { describe, expect, it } from 'vitest';
import { MAX_QUERY_PARAMS, MAX_SIGNED_URL_TTL_SECONDS, MIN_SECRET_LENGTH } from '../contract/index.ts';
import { generateRsaKeyPair } from '../../infra/local/dev-keys.ts';
import { checkSignedUrl } from '../../infra/local/signed-urls.ts';
import { generateHmacSecret, signUrl, SigningError, type SigningKey } from './index.ts';

const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const HMAC: SigningKey = { mode: 'hmac', kid: 'k1', secret: 'a'.repeat(MIN_SECRET_LENGTH) };
const { privateKey, publicKey } = generateRsaKeyPair();
const KEY_GROUP: SigningKey = { mode: 'key-group', keyPairId: 'KSIGNTEST0001', privateKey };
const sign = (url: string, key: SigningKey = HMAC, ttlSeconds = 3600, tenant = 'shop') => signUrl({ url, tenant, ttlSeconds, key, now: NOW });

describe('Function: signUrl', () => {
  it('refuses a URL that would fit the edge unsigned but not with its signature params', () => {
    const junk = Array.from({ length: MAX_QUERY_PARAMS - 1 }, (_, i) => `j${i}=1`).join('&');
    const url = `https://img.example.com/shop/p/shoe.jpg?w=640&${junk}`;
    expect(() => sign(url)).toThrow(/signed, the URL would be refused by the edge: too many query parameters/);
    expect(sign(`https://img.example.com/shop/p/shoe.jpg?w=640&${junk.split('&').slice(3).join('&')}`)).toContain('&sig=');
  });

  describe('hmac', () => {
    it('appends kid, exp and a 43-character sig, keeping the URL as written', () => {
      const url = sign('https://img.example.com/shop/p/shoe.jpg?w=640&utm=x');
      expect(url).toMatch(new RegExp(`^https://img\\.example\\.com/shop/p/shoe\\.jpg\\?w=640&utm=x&kid=k1&exp=${NOW_S + 3600}&sig=[A-Za-z0-9_-]{43}$`));
      expect(sign('https://img.example.com/shop/p/shoe.jpg')).toMatch(/shoe\.jpg\?kid=k1&/);
    });

    it('replaces a token already on the URL', () => {
      const once = sign('https://img.example.com/shop/p/shoe.jpg?w=640');
      expect(signUrl({ url: once, tenant: 'shop', ttlSeconds: 3600, key: HMAC, now: NOW })).toBe(once);
    });

    it('gives one sig for equivalent requests: params reordered, junk added, fmt alias', () => {
      const sig = (url: string) => new URL(sign(url)).searchParams.get('sig');
      expect(sig('https://img.example.com/shop/p/shoe.jpg?w=640&fmt=jpeg')).toBe(sig('https://img.example.com/shop/p/shoe.jpg?utm=1&fmt=jpg&w=640'));
      expect(sig('https://img.example.com/shop/p/shoe.jpg?w=640')).not.toBe(sig('https://img.example.com/shop/p/shoe.jpg?w=641'));
    });

    it('refuses a short secret and a malformed kid', () => {
      expect(() => sign('https://img.example.com/shop/a.jpg', { ...HMAC, secret: 'a'.repeat(MIN_SECRET_LENGTH - 1) })).toThrow(`at least ${MIN_SECRET_LENGTH} characters`);
      expect(() => sign('https://img.example.com/shop/a.jpg', { ...HMAC, kid: 'k 1' })).toThrow(/kid must match/);
    });

    it('makes 43-character secrets of 32 random bytes', () => {
      const secret = generateHmacSecret();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(generateHmacSecret()).not.toBe(secret);
    });
  });

  describe('key-group', () => {
    const TRUSTED = [{ id: 'KSIGNTEST0001', publicKey }];

    it('makes canned and custom URLs that CloudFront (the local check) accepts', () => {
      const canned = sign('https://img.example.com/shop/p/shoe.jpg?w=640', KEY_GROUP);
      expect(new URL(canned).searchParams.get('Expires')).toBe(String(NOW_S + 3600));
      expect(checkSignedUrl(canned, TRUSTED, NOW, '198.51.100.7')).toEqual({ ok: true });
      const custom = sign('https://img.example.com/shop/p/shoe.jpg?w=640', { ...KEY_GROUP, policy: 'custom', ipAddress: '198.51.100.0/24' });
      expect(new URL(custom).searchParams.has('Policy')).toBe(true);
      expect(checkSignedUrl(custom, TRUSTED, NOW, '198.51.100.7')).toEqual({ ok: true });
      expect(checkSignedUrl(custom, TRUSTED, NOW, '203.0.113.1')).toMatchObject({ ok: false });
    });

    it('refuses an IP address without the custom policy, and a key that is not a private key', () => {
      expect(() => sign('https://img.example.com/shop/a.jpg', { ...KEY_GROUP, ipAddress: '198.51.100.7' })).toThrow('an IP address needs the custom policy');
      for (const ipAddress of ['2001:db8::/32', '198.51.100.0/33', '256.1.1.1', 'example.com']) {
        expect(() => sign('https://img.example.com/shop/a.jpg', { ...KEY_GROUP, policy: 'custom', ipAddress }), ipAddress).toThrow(/must be an IPv4 address or CIDR/);
      }
      expect(sign('https://img.example.com/shop/a.jpg', { ...KEY_GROUP, policy: 'custom', ipAddress: '0.0.0.0/0' })).toContain('Policy=');
      expect(() => sign('https://img.example.com/shop/a.jpg', { ...KEY_GROUP, privateKey: publicKey })).toThrow(SigningError);
    });
  });

  describe('what it refuses for either mode', () => {
    it.each([
      ['not a URL', 'shop/a.jpg', /not an absolute URL/],
      ['another scheme', 'ftp://img.example.com/shop/a.jpg', /http or https/],
      ['not an image URL', 'https://img.example.com/shop/a.svg', /not an image URL: unknown extension/],
      ['a malformed param', 'https://img.example.com/shop/a.jpg?w=abc', /w must be a positive integer/],
      ['another tenant', 'https://img.example.com/demo/a.jpg', /the URL is for tenant demo, not shop/],
    ])('%s', (_what, url, message) => {
      expect(() => sign(url)).toThrow(message);
      expect(() => sign(url, KEY_GROUP)).toThrow(message);
    });

    it(`takes a ttl of 1..MAX_SIGNED_URL_TTL_SECONDS (${MAX_SIGNED_URL_TTL_SECONDS}) whole seconds`, () => {
      expect(sign('https://img.example.com/shop/a.jpg', HMAC, MAX_SIGNED_URL_TTL_SECONDS)).toContain(`exp=${NOW_S + MAX_SIGNED_URL_TTL_SECONDS}`);
      expect(sign('https://img.example.com/shop/a.jpg', HMAC, 1)).toContain(`exp=${NOW_S + 1}`);
      for (const ttl of [0, -1, 1.5, MAX_SIGNED_URL_TTL_SECONDS + 1, Number.NaN]) {
        expect(() => sign('https://img.example.com/shop/a.jpg', HMAC, ttl)).toThrow(/ttl must be a whole number of seconds/);
      }
    });
  });
});
