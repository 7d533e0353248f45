import { describe, expect, it } from 'vitest';
import { rawTenantOf, unsafeKeyReason } from './hostile-urls.ts';

describe('the fuzz oracles', () => {
  it.each([
    ['demo/../acme/a.jpg', 'demo'],
    ['acme/a.jpg', 'demo'],
    ['demox/a.jpg', 'demo'],
    ['demo//a.jpg', 'demo'],
    ['demo/.hidden/a.jpg', 'demo'],
    ['demo/a\\..\\b.jpg', 'demo'],
    ['demo/a\u0000.jpg', 'demo'],
    ['evil.com/a.jpg', 'evil.com'],
    ['/demo/a.jpg', ''],
  ])('refuse the key %j for tenant %j', (key, tenant) => {
    expect(unsafeKeyReason(key, tenant)).toBeDefined();
  });

  it('accept an original and a variant key below the tenant', () => {
    expect(unsafeKeyReason('demo/photos/cat.jpg', 'demo')).toBeUndefined();
    expect(unsafeKeyReason('demo/photos/cat.jpg/w640_q75.webp', 'demo')).toBeUndefined();
  });

  it.each([
    ['/demo/a.jpg', 'demo'],
    ['//evil.com/x.jpg', ''],
    ['demo/a.jpg', ''],
    ['/demo', ''],
    ['/%64emo/a.jpg', '%64emo'],
  ])('name the tenant of %j as %j, undecoded', (uri, tenant) => {
    expect(rawTenantOf(uri)).toBe(tenant);
  });
});
