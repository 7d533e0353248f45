import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, MAX_QUERY_PARAMS, MIN_SECRET_LENGTH, parseImageRequest, queryPairs, variantKey } from '../core/contract/index.ts';
import { signUrl } from '../core/signing/index.ts';
import { generateRsaKeyPair } from '../infra/local/dev-keys.ts';
import { candidates, hmacSigner, imageUrl, imgHtml, keyGroupSigner, pickCandidate, pictureHtml, responsiveImage, srcset } from './index.ts';

const SOURCE = { origin: 'https://img.example.com/', key: 'shop/spring sale/shoe.jpg' };
const NOW = new Date('2030-01-01T00:00:00Z');

/** The variant key the edge normalizes a URL to, under the default ladder. */
function edgeKey(url: string): string {
  const parsed = new URL(url);
  const result = parseImageRequest(parsed.pathname, queryPairs(parsed.search.slice(1)), { ladder: DEFAULT_LADDER, accept: 'image/avif' });
  if (!result.ok) throw new Error(`${url}: ${result.reason}`);
  return variantKey(result.request);
}

describe('imageUrl', () => {
  it('encodes the key one segment at a time and sorts the params, leaving out the defaults', () => {
    expect(imageUrl(SOURCE, { w: 640, fit: 'cover', h: 640, fmt: 'auto' })).toBe('https://img.example.com/shop/spring%20sale/shoe.jpg?fit=cover&h=640&w=640');
    expect(imageUrl(SOURCE, { w: 320, dpr: 2, fit: 'inside' })).toBe('https://img.example.com/shop/spring%20sale/shoe.jpg?dpr=2&w=320');
    expect(imageUrl(SOURCE)).toBe('https://img.example.com/shop/spring%20sale/shoe.jpg');
  });

  it('builds URLs the edge takes as they are: dpr lands on the key of the width it stands for', () => {
    expect(edgeKey(imageUrl(SOURCE, { w: 320, dpr: 2 }))).toBe(edgeKey(imageUrl(SOURCE, { w: 640 })));
    expect(edgeKey(imageUrl(SOURCE, { w: 640, h: 640, fit: 'cover' }))).toBe('shop/spring sale/shoe.jpg/w640_h640_cover_q75.avif');
  });
});

describe('srcset', () => {
  it('offers every rung of the ladder, each asking for exactly its rung (a canonical key, nothing to snap)', () => {
    const list = candidates(SOURCE);
    expect(list.map((c) => c.width)).toEqual([...DEFAULT_LADDER]);
    for (const candidate of list) expect(edgeKey(candidate.url)).toBe(`shop/spring sale/shoe.jpg/w${candidate.width}_q75.avif`);
    expect(srcset(list.slice(0, 2))).toBe('https://img.example.com/shop/spring%20sale/shoe.jpg?w=64 64w, https://img.example.com/shop/spring%20sale/shoe.jpg?w=128 128w');
  });

  it("stops at the original's width: the first rung past it, described at that width (the edge never enlarges)", () => {
    const list = candidates(SOURCE, { maxWidth: 1000 });
    expect(list.map((c) => c.width)).toEqual([64, 128, 256, 384, 640, 750, 828, 1000]);
    expect(list[list.length - 1]!.url).toMatch(/\?w=1080$/);
    expect(candidates(SOURCE, { maxWidth: 1080 }).map((c) => c.width).slice(-2)).toEqual([828, 1080]);
  });

  it("takes the tenant's ladder, and holds every candidate to an aspect ratio with its fit", () => {
    const list = candidates(SOURCE, { ladder: [300, 600], ratio: [16, 9], fit: 'cover', fmt: 'webp', q: 60 });
    expect(list.map((c) => c.url)).toEqual([
      'https://img.example.com/shop/spring%20sale/shoe.jpg?fit=cover&fmt=webp&h=169&q=60&w=300',
      'https://img.example.com/shop/spring%20sale/shoe.jpg?fit=cover&fmt=webp&h=338&q=60&w=600',
    ]);
  });

  it('picks what a browser fetches: the narrowest candidate at least slot × dpr wide, else the widest', () => {
    const list = candidates(SOURCE, { maxWidth: 1600 });
    expect([pickCandidate(list, 400, 1), pickCandidate(list, 400, 2), pickCandidate(list, 1200, 1), pickCandidate(list, 1200, 2)].map((c) => c.width)).toEqual([640, 828, 1200, 1600]);
  });
});

describe('markup', () => {
  it('gives an <img> src, srcset and sizes, lazy, with its intrinsic size and its alt escaped', () => {
    const image = responsiveImage(SOURCE, { sizes: '(max-width: 600px) 100vw, 600px', ladder: [320, 640, 1280] });
    expect(image).toEqual({
      src: 'https://img.example.com/shop/spring%20sale/shoe.jpg?w=640',
      srcset: ['320', '640', '1280'].map((w) => `https://img.example.com/shop/spring%20sale/shoe.jpg?w=${w} ${w}w`).join(', '),
      sizes: '(max-width: 600px) 100vw, 600px',
    });
    const html = imgHtml(SOURCE, { alt: 'A "red" shoe <new>', width: 1600, height: 1200 }, { ladder: [320, 640] });
    expect(html).toBe(
      '<img src="https://img.example.com/shop/spring%20sale/shoe.jpg?w=640" srcset="https://img.example.com/shop/spring%20sale/shoe.jpg?w=320 320w, https://img.example.com/shop/spring%20sale/shoe.jpg?w=640 640w" sizes="100vw" alt="A &quot;red&quot; shoe &lt;new>" width="1600" height="1200" loading="lazy" decoding="async">',
    );
  });

  it('gives a <picture> an AVIF and a WebP source and a JPEG img, over the same ladder', () => {
    const html = pictureHtml(SOURCE, { alt: 'shoe' }, { ladder: [640] });
    expect(html.split('\n')).toEqual([
      '<picture>',
      '  <source type="image/avif" srcset="https://img.example.com/shop/spring%20sale/shoe.jpg?fmt=avif&amp;w=640 640w" sizes="100vw">',
      '  <source type="image/webp" srcset="https://img.example.com/shop/spring%20sale/shoe.jpg?fmt=webp&amp;w=640 640w" sizes="100vw">',
      '  <img src="https://img.example.com/shop/spring%20sale/shoe.jpg?fmt=jpeg&amp;w=640" srcset="https://img.example.com/shop/spring%20sale/shoe.jpg?fmt=jpeg&amp;w=640 640w" sizes="100vw" alt="shoe" loading="lazy" decoding="async">',
      '</picture>',
    ]);
  });
});

describe('signing with WebCrypto', () => {
  const url = 'https://img.example.com/shop/p/shoe.jpg?w=640&fit=cover&h=640&dpr=2';

  it('signs an hmac URL exactly as core/signing does (the token the viewer function checks)', async () => {
    const secret = 's'.repeat(MIN_SECRET_LENGTH);
    const signed = await hmacSigner({ kid: 'k1', secret, ttlSeconds: 3600, now: () => NOW })(url);
    expect(signed).toBe(signUrl({ url, tenant: 'shop', ttlSeconds: 3600, key: { mode: 'hmac', kid: 'k1', secret }, now: NOW }));
    expect(signed).toMatch(/&kid=k1&exp=1893459600&sig=[\w-]{43}$/);
  });

  it('signs a key-group URL exactly as @aws-sdk/cloudfront-signer does (a canned policy, RSA-SHA1)', async () => {
    const { privateKey } = generateRsaKeyPair();
    const signed = await keyGroupSigner({ keyPairId: 'KSHOP0001', privateKey, ttlSeconds: 600, now: () => NOW })(url);
    expect(signed).toBe(signUrl({ url, tenant: 'shop', ttlSeconds: 600, key: { mode: 'key-group', keyPairId: 'KSHOP0001', privateKey }, now: NOW }));
  });

  it('replaces signature params a URL already has, as core/signing does', async () => {
    const secret = 's'.repeat(MIN_SECRET_LENGTH);
    const signer = hmacSigner({ kid: 'k1', secret, ttlSeconds: 3600, now: () => NOW });
    const resigned = await signer(`${url}&kid=old&exp=1&sig=${'x'.repeat(43)}`);
    expect(resigned).toBe(await signer(url));
    const { privateKey } = generateRsaKeyPair();
    const keyed = keyGroupSigner({ keyPairId: 'KSHOP0001', privateKey, ttlSeconds: 600, now: () => NOW });
    expect(await keyed(`${url}&Expires=1&Signature=x&Key-Pair-Id=KOLD`)).toBe(await keyed(url));
  });

  it('refuses what it cannot sign, saying why', async () => {
    expect(() => hmacSigner({ kid: 'k1', secret: 'short', ttlSeconds: 60 })).toThrow(`the secret must be at least ${MIN_SECRET_LENGTH} characters`);
    expect(() => keyGroupSigner({ keyPairId: 'K1', privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----', ttlSeconds: 60 })).toThrow(/PKCS#8/);
    const signer = hmacSigner({ kid: 'k1', secret: 's'.repeat(MIN_SECRET_LENGTH), ttlSeconds: 8 * 86_400 });
    await expect(signer(url)).rejects.toThrow(/ttl must be a whole number of seconds/);
    await expect(hmacSigner({ kid: 'k1', secret: 's'.repeat(MIN_SECRET_LENGTH), ttlSeconds: 60 })('https://img.example.com/shop/notes.txt')).rejects.toThrow(/not an image URL: unknown extension/);
    const { privateKey } = generateRsaKeyPair();
    await expect(keyGroupSigner({ keyPairId: 'K1', privateKey, ttlSeconds: 60 })('https://img.example.com/shop/../x.jpg?w=1')).rejects.toThrow(/not an image URL/);
    // Within the edge's query limits unsigned, past them with the three signature params.
    const junk = Array.from({ length: MAX_QUERY_PARAMS - 1 }, (_, i) => `j${i}=1`).join('&');
    await expect(hmacSigner({ kid: 'k1', secret: 's'.repeat(MIN_SECRET_LENGTH), ttlSeconds: 60 })(`https://img.example.com/shop/a.jpg?${junk}`)).rejects.toThrow(
      'signed, the URL would be refused by the edge: too many query parameters',
    );
  });
});

describe('the package', () => {
  it('bundles for a browser with nothing to import: no Node built-ins, no dependencies', async () => {
    const result = await build({ entryPoints: [new URL('./index.ts', import.meta.url).pathname], bundle: true, write: false, format: 'esm', platform: 'browser', metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.every((file) => file.startsWith('client/') || file.startsWith('core/contract/'))).toBe(true);
    expect(result.outputFiles[0]!.text).not.toMatch(/\bimport\b|require\(/);
  });
});
