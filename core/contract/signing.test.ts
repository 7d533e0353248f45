import { describe, expect, it } from 'vitest';
import { queryPairs, requestedParams, type RequestedParams } from './image-request.ts';
import { keyPairTenantKey, signingSecretKey, tenantConfigProblem } from './kvs.ts';
import {
  CLOCK_SKEW_SECONDS,
  constantTimeEqual,
  KEY_ID,
  MAX_KEY_ID_LENGTH,
  MAX_SIGNED_URL_TTL_SECONDS,
  readToken,
  SIGNATURE,
  SIGNATURE_EXPIRED,
  SIGNATURE_INVALID,
  SIGNATURE_LENGTH,
  SIGNATURE_REQUIRED,
  signingString,
  singleParam,
} from './signing.ts';

const NOW = 2_000_000_000;
const SIG = 'A'.repeat(SIGNATURE_LENGTH);
const token = (kid: string, exp: number | string, sig = SIG) => queryPairs(`w=640&kid=${kid}&exp=${exp}&sig=${sig}`);
const requested = (query: string): RequestedParams => requestedParams(queryPairs(query)) as RequestedParams;
const IMAGE = { tenant: 'signed', path: 'photos/café.jpg' };

describe('Function: readToken', () => {
  it('returns kid, exp as a number and sig', () => {
    expect(readToken(token('k1', NOW + 60), NOW)).toEqual({ kid: 'k1', exp: NOW + 60, sig: SIG });
  });

  it.each(['kid', 'exp', 'sig'])('requires %s', (name) => {
    const pairs = token('k1', NOW + 60).filter(([n]) => n !== name);
    expect(readToken(pairs, NOW)).toBe(SIGNATURE_REQUIRED);
  });

  it('treats a repeated token param as no token', () => {
    expect(readToken([...token('k1', NOW + 60), ['kid', 'k2']], NOW)).toBe(SIGNATURE_REQUIRED);
  });

  it(`accepts kids of 1..${MAX_KEY_ID_LENGTH} URL-safe characters, nothing else`, () => {
    expect(readToken(token('a'.repeat(MAX_KEY_ID_LENGTH), NOW), NOW)).toMatchObject({ kid: 'a'.repeat(MAX_KEY_ID_LENGTH) });
    expect(readToken(token('a'.repeat(MAX_KEY_ID_LENGTH + 1), NOW), NOW)).toBe(SIGNATURE_INVALID);
    for (const kid of ['', 'k.1', 'k%201', 'k:1', 'ключ']) expect(readToken(token(kid, NOW), NOW)).toBe(SIGNATURE_INVALID);
  });

  it(`accepts a sig of exactly ${SIGNATURE_LENGTH} base64url characters`, () => {
    expect(readToken(token('k1', NOW, 'A'.repeat(SIGNATURE_LENGTH - 1)), NOW)).toBe(SIGNATURE_INVALID);
    expect(readToken(token('k1', NOW, 'A'.repeat(SIGNATURE_LENGTH + 1)), NOW)).toBe(SIGNATURE_INVALID);
    expect(readToken(token('k1', NOW, `${'A'.repeat(SIGNATURE_LENGTH - 1)}+`), NOW)).toBe(SIGNATURE_INVALID);
    expect(readToken(token('k1', NOW, `${'-_'.repeat(21)}A`), NOW)).toMatchObject({ kid: 'k1' });
  });

  it('accepts exp as 1..10 digits only', () => {
    for (const exp of ['', '-1', '1.5', '1e9', ' 1', '0x10', '12345678901']) expect(readToken(token('k1', exp), NOW)).toBe(SIGNATURE_INVALID);
  });

  it(`accepts exp until CLOCK_SKEW_SECONDS (${CLOCK_SKEW_SECONDS}) after it, then calls it expired`, () => {
    expect(readToken(token('k1', NOW - CLOCK_SKEW_SECONDS), NOW)).toMatchObject({ exp: NOW - CLOCK_SKEW_SECONDS });
    expect(readToken(token('k1', NOW - CLOCK_SKEW_SECONDS - 1), NOW)).toBe(SIGNATURE_EXPIRED);
  });

  it('accepts exp up to MAX_SIGNED_URL_TTL_SECONDS + CLOCK_SKEW_SECONDS ahead, not a second more', () => {
    const edge = NOW + MAX_SIGNED_URL_TTL_SECONDS + CLOCK_SKEW_SECONDS;
    expect(readToken(token('k1', edge), NOW)).toMatchObject({ exp: edge });
    expect(readToken(token('k1', edge + 1), NOW)).toBe(SIGNATURE_INVALID);
  });
});

describe('Function: signingString', () => {
  it('is kid, exp and the canonical URL with the requested params, one per line', () => {
    expect(signingString(IMAGE, requested('w=640&fmt=webp'), 'k1', NOW)).toBe(`k1\n${NOW}\n/signed/photos/caf%C3%A9.jpg?fmt=webp&q=75&w=640`);
  });

  it('does not depend on param order, junk params, aliases, leading zeros or an explicit default quality', () => {
    const one = signingString(IMAGE, requested('w=640&fmt=jpeg'), 'k1', NOW);
    expect(signingString(IMAGE, requested('utm=1&fmt=jpg&q=75&w=0640&kid=x&sig=y'), 'k1', NOW)).toBe(one);
  });

  it('keeps fmt=auto apart from every explicit format, so a token for one never opens the other', () => {
    const auto = signingString(IMAGE, requested('w=640'), 'k1', NOW);
    expect(auto).toContain('fmt=auto');
    for (const fmt of ['avif', 'webp', 'jpeg', 'png']) expect(signingString(IMAGE, requested(`w=640&fmt=${fmt}`), 'k1', NOW)).not.toBe(auto);
  });

  it('covers w and h as requested (clamped, not snapped), and q', () => {
    const base = signingString(IMAGE, requested('w=640'), 'k1', NOW);
    for (const other of ['w=641', 'w=640&h=100', 'w=640&q=40']) expect(signingString(IMAGE, requested(other), 'k1', NOW)).not.toBe(base);
    expect(signingString(IMAGE, requested('w=99999999'), 'k1', NOW)).toContain('w=4096');
  });
});

describe('Function: requestedParams', () => {
  it('keeps fmt=auto, resolves aliases, defaults q, clamps without snapping', () => {
    expect(requestedParams(queryPairs('w=700&h=5000'))).toEqual({ fmt: 'auto', q: 75, w: 700, h: 4096 });
    expect(requestedParams(queryPairs('fmt=JPG&q=80'))).toEqual({ fmt: 'jpeg', q: 80 });
  });

  it('gives the same reasons as the parse', () => {
    expect(requestedParams(queryPairs('w=1&w=2'))).toBe('duplicate parameter w');
    expect(requestedParams(queryPairs('fmt=svg'))).toBe('fmt must be one of auto, avif, webp, jpeg, jpg, png');
  });
});

describe('Constants: KEY_ID and SIGNATURE', () => {
  it('spell MAX_KEY_ID_LENGTH and SIGNATURE_LENGTH', () => {
    expect(KEY_ID.source).toBe(`^[\\w-]{1,${MAX_KEY_ID_LENGTH}}$`);
    expect(SIGNATURE.source).toBe(`^[\\w-]{${SIGNATURE_LENGTH}}$`);
  });
});

describe('Function: singleParam', () => {
  it('returns a value present once, undefined when absent or repeated', () => {
    expect(singleParam(queryPairs('a=1&b=2'), 'b')).toBe('2');
    expect(singleParam(queryPairs('a=1'), 'b')).toBeUndefined();
    expect(singleParam(queryPairs('b=1&b=1'), 'b')).toBeUndefined();
  });
});

describe('Function: constantTimeEqual', () => {
  it('is string equality', () => {
    expect(constantTimeEqual(SIG, SIG)).toBe(true);
    expect(constantTimeEqual(SIG, `${SIG.slice(0, -1)}B`)).toBe(false);
    expect(constantTimeEqual(`B${SIG.slice(1)}`, SIG)).toBe(false);
    expect(constantTimeEqual(SIG, SIG.slice(1))).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('KeyValueStore keys and tenant config for signing', () => {
  it('spells the secret of a kid k:{tenant}:{kid} and a key pair p:{id}', () => {
    expect(signingSecretKey('shop', 'k2026')).toBe('k:shop:k2026');
    expect(keyPairTenantKey('K2JCJMDEHXQW5F')).toBe('p:K2JCJMDEHXQW5F');
  });

  it('accepts the two signing modes and refuses any other', () => {
    expect(tenantConfigProblem({ signing: 'hmac' })).toBeUndefined();
    expect(tenantConfigProblem({ signing: 'key-group', ladder: [100, 200] })).toBeUndefined();
    expect(tenantConfigProblem(JSON.parse('{"signing":"rsa"}'))).toBe('signing must be hmac or key-group');
    expect(tenantConfigProblem(JSON.parse('{"signing":""}'))).toBe('signing must be hmac or key-group');
  });
});
