/**
 * Generated hostile request URLs for the fuzz suites of the two deployed edge
 * artifacts (the built viewer function, the origin-request handler), and the
 * invariants every answer must keep. The contract's own property tests
 * (core/contract/image-request.property.test.ts) cover the parser; these aim
 * at what an attacker sends to the edge: traversal in every spelling, hosts
 * and schemes where a path belongs, NUL and control characters, overlong and
 * malformed UTF-8, unicode look-alikes, junk and duplicate parameters.
 */
import fc from 'fast-check';
import { keyToUri, MAX_QUERY_LENGTH, MAX_TENANT_LENGTH, MAX_URI_LENGTH, SOURCE_EXTENSIONS } from '../../core/index.ts';

/** One seed for every hostile-input property, so CI replays the same cases; a failure prints its path. */
export const SEED = 0x5ec0de;

/** Tenants the fuzzed stacks know; `zzz` is well-formed but unknown. */
export const KNOWN_TENANTS = ['demo', 'acme'] as const;

const tenantSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_TENANTS) },
  { weight: 1, arbitrary: fc.constantFrom('zzz', 'a'.repeat(MAX_TENANT_LENGTH), 'a'.repeat(MAX_TENANT_LENGTH + 1)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', '.', '..', '%2e%2e', 'DEMO', 'Demo', '%64emo', '%2564emo', 'demo%2f..', 'demo%2F..%2Facme', 'de\\mo', 'demo\u0000', 'demo%00',
      'evil.com', 'evil.com:443', 'http:', 'https:', '@evil.com', 'demo@evil.com', 'd\u0435mo' /* Cyrillic e */, 'ｄｅｍｏ', 'demo ', ' demo', 'demo\t',
    ),
  },
);

/** Path segments below the tenant: ordinary names and every traversal and injection spelling we know of. */
const plainSegment = fc.constantFrom('photos', 'cat', 'a', 'IMG_0001', 'my photo', 'été', '写真', '2026', 'x-y_z', 'samples', 'landscape', 'banned', 'photo');
const pathSegment = fc.oneof(
  { weight: 5, arbitrary: plainSegment },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '..', '.', '...', '%2e%2e', '%2E%2E', '%2e', '.%2e', '%2e.', '%252e%252e', '%%32%65%%32%65', '%c0%ae%c0%ae', '%e0%80%ae', '%c0%af', '%c1%9c',
      '\uff0e\uff0e', '%ef%bc%8e%ef%bc%8e', '..%2f', '..%2F..', '%2f', '%2F', '%5c', '%5C..', '\\', '..\\..', '%00', '\u0000', 'a%00b', '%0a', '%0d%0a', '\n', '\u007f',
      '%ff', '%', '%z', '%zz', '%e2%80', '%ed%a0%80' /* lone surrogate */, '\ud800', '\u202e', '\u200b', 'e\u0301', '😀', '%F0%9F%98%80',
      'evil.com', '@evil.com', 'http:', 'https:', 'http:%2f%2fevil.com', '169.254.169.254', 'localhost:8080', '~root', '$HOME', '${jndi:ldap:}', '<script>', "'", '"', '?', '#', ';', '&',
      '+', ' ', '', 'a'.repeat(120),
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 8 }) },
);

const extension = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SOURCE_EXTENSIONS) },
  { weight: 2, arbitrary: fc.constantFrom('JPG', 'Png', 'svg', 'svgz', 'php', 'html', 'jpg%00', 'jpg%00.png', 'jpg.', 'jpg/', 'jpg\\', 'jpg ', '', 'tif%2f..', 'webp?x') },
);

/** Whole paths that are hostile as a whole: hosts where the path belongs, schemes, no leading slash, limit edges. */
const wholePath = fc.constantFrom(
  '', '/', '//', '/demo', '/demo/', '//evil.com/x.jpg', '///evil.com/x.jpg', '//demo/a.jpg', 'http://evil.com/demo/a.jpg', 'https://evil.com/x.jpg',
  'http:/evil.com/x.jpg', '/http://evil.com/x.jpg', '/demo//evil.com/a.jpg', '/demo/http://evil.com/a.jpg', '/demo/https:%2f%2fevil.com%2fa.jpg',
  '\\\\evil.com\\a.jpg', '/\\evil.com/a.jpg', '/demo\\..\\acme\\a.jpg', '/demo/..%2f..%2facme/a.jpg', '/demo/%2e%2e/acme/a.jpg', '/demo/a.jpg/../../acme/b.jpg',
  '/demo/./a.jpg', '/demo/a.jpg?', 'demo/a.jpg', '/demo/a.jpg#frag', '/demo/%2fetc%2fpasswd.jpg', '/demo/....//....//acme/a.jpg', '/demo/;/a.jpg',
  '/demo/a.jpg%00.png', '/demo/a.jpg\u0000.png', '/acme/..%5cdemo/a.jpg', '/demo/%E2%80%AE/gpj.jpg', '/demo/banned/photo.jpg', '/DEMO/banned/photo.jpg',
  '/demo/banned/PHOTO.jpg', '/demo/banned/photo.JPG', '/demo/banned//photo.jpg', '/demo/banned/./photo.jpg', '/demo/banned/%70hoto.jpg',
  `/demo/${'a'.repeat(MAX_URI_LENGTH - 10)}.jpg`, `/demo/${'a'.repeat(MAX_URI_LENGTH)}.jpg`, `/demo/${'%41'.repeat(166)}.jpg`, `/demo/${'é'.repeat(250)}.jpg`,
  `/demo/${'é'.repeat(240)}.jpg`, `/demo/${Array(300).fill('a').join('/')}.jpg`,
);

/** A path as a viewer would send it: percent-encoded, or as raw as an attacker likes. */
const composedPath = fc
  .tuple(tenantSegment, fc.array(pathSegment, { minLength: 0, maxLength: 6 }), extension, fc.constantFrom('raw', 'raw', 'encoded', 'double-encoded'))
  .map(([tenant, segments, ext, spelling]) => {
    const path = `/${tenant}/${[...segments, 'file'].join('/')}.${ext}`;
    if (spelling === 'raw') return path;
    try {
      const encoded = keyToUri(path.slice(1));
      return spelling === 'encoded' ? encoded : encoded.replaceAll('%', '%25');
    } catch {
      return path; // a lone surrogate has no UTF-8 form to encode
    }
  });

/** Well-formed paths of known tenants, so enough requests get past the parser for the properties of served requests to bite. */
const plausiblePath = fc
  .tuple(fc.constantFrom(...KNOWN_TENANTS), fc.array(plainSegment, { minLength: 1, maxLength: 3 }), fc.constantFrom(...SOURCE_EXTENSIONS, 'JPG'))
  .map(([tenant, segments, ext]) => keyToUri(`${tenant}/${segments.join('/')}.${ext}`));

export const hostilePath: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: plausiblePath },
  { weight: 8, arbitrary: composedPath },
  { weight: 2, arbitrary: wholePath },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/demo/${s}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

const paramName = fc.constantFrom(
  'w', 'w', 'h', 'h', 'q', 'fmt', 'fmt', 'W', 'FMT', '%77', 'w%00', 'w ', ' w', 'w[]', 'w.x', 'utm_source', 'sig', 'kid', 'exp', 'Key-Pair-Id', 'Signature', 'Policy', 'Expires',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'url', 'host', 'bucket', 'key', 'path', 'tenant', '', '=', '&',
);
const paramValue = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 10_000 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom('auto', 'avif', 'webp', 'jpeg', 'jpg', 'png', 'AVIF', 'gif', 'svg', 'tiff', 'heic', 'auto,png') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', '0', '00000000', '-1', '+1', '1e3', '0x10', '1.5', ' 640', '640 ', '6%340', 'NaN', 'Infinity', '99999999999999999999', '4097', '4096', '9'.repeat(400),
      '%00', '\u0000', '../..', '%2e%2e%2f', 'http://169.254.169.254/', '//evil.com', 'evil.com', 'demo/../acme', '__proto__', '[object Object]', '😀', '%ff', '%',
      'a'.repeat(MAX_QUERY_LENGTH),
    ),
  },
);

/** A raw query string: 0–45 pairs (the contract allows 40), names repeated, some without `=`. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(fc.tuple(paramName, paramValue, fc.boolean()), { maxLength: 45 })
  .map((pairs) => pairs.map(([name, value, bare]) => (bare && value === '' ? name : `${name}=${value}`)).join('&'));

/** Request headers a client controls and that must not change the cache key (Accept only through fmt=auto). */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    host: fc.constantFrom('evil.com', 'img.example.com', 'localhost', '169.254.169.254', 'demo.s3.amazonaws.com', '', 'a'.repeat(2000)),
    accept: fc.oneof(
      fc.constantFrom('image/avif,image/webp,*/*', 'image/webp', '*/*', '', 'image/avif;q=0', 'image/*;q=0.1, image/avif;q=1', 'garbage', ';;;,,,', 'image/webp;q=abc', 'text/html'),
      fc.string({ maxLength: 40 }),
      fc.constant(`image/webp;q=0.5,${'image/x-junk;q=0.1,'.repeat(420)}`),
    ),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '127.0.0.1, 10.0.0.1', 'evil.com', '::1', ''),
    'x-forwarded-host': fc.constantFrom('evil.com', 'acme.img.example.com'),
    'x-original-url': fc.constantFrom('/acme/secret.jpg', '//evil.com/x.jpg'),
    referer: fc.constantFrom('https://evil.example/', 'http://127.0.0.1:8080/'),
  },
  { requiredKeys: [] },
);

/** `/tenant/path` split at the first `/` after the leading one: the tenant as the URL names it, undecoded. */
export function rawTenantOf(uri: string): string {
  const slash = uri.indexOf('/', 1);
  return uri.charAt(0) === '/' && slash > 0 ? uri.slice(1, slash) : '';
}

/** Why `key` is not a safe object key for `tenant`, or undefined: it must sit below `{tenant}/` with no traversal or control characters in it. */
export function unsafeKeyReason(key: string, tenant: string): string | undefined {
  if (!/^[a-z0-9-]{1,32}$/.test(tenant)) return `tenant ${JSON.stringify(tenant)} is not a tenant name`;
  if (!key.startsWith(`${tenant}/`)) return `key ${JSON.stringify(key)} is not below ${tenant}/`;
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return `key ${JSON.stringify(key)} has a control character or backslash`;
  const segments = key.split('/');
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return `key ${JSON.stringify(key)} has an empty or dot segment`;
  return undefined;
}
