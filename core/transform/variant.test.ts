import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { isServableVariant, storeVariant, VARIANT_CACHE_CONTROL, type RenderedVariant } from './variant.ts';

const variant = (body: Buffer): RenderedVariant => ({
  key: 'demo/a.jpg/w640_q75.webp',
  rendered: { body, contentType: 'image/webp', format: 'webp', width: 640, height: 480 },
  region: 'us-east-1',
  fetchMs: 1,
  renderMs: 1,
});

describe('storing a variant', () => {
  it('stores the render with its format’s type and the variant Cache-Control, once', async () => {
    const store = new MemoryStore('variants');
    expect(await storeVariant(store, variant(Buffer.from('webp')))).toBe('created');
    expect(await storeVariant(store, variant(Buffer.from('other')))).toBe('exists');
    expect(store.objects.get('demo/a.jpg/w640_q75.webp')).toEqual({ body: Buffer.from('webp'), contentType: 'image/webp', cacheControl: VARIANT_CACHE_CONTROL });
  });

  it('refuses an empty render and stores nothing: CloudFront would serve it as it is', async () => {
    const store = new MemoryStore('variants');
    await expect(storeVariant(store, variant(Buffer.alloc(0)))).rejects.toThrow(/empty render/);
    expect(store.objects.size).toBe(0);
  });

  it.each([
    ['bytes with its format’s type', true, Buffer.from('x'), 'image/webp'],
    ['no bytes', false, Buffer.alloc(0), 'image/webp'],
    ['no type', false, Buffer.from('x'), undefined],
    ['an untyped upload’s type', false, Buffer.from('x'), 'binary/octet-stream'],
    ['another format’s type', false, Buffer.from('x'), 'image/jpeg'],
  ])('calls a stored object with %s servable: %s', (_, servable, body, contentType) => {
    expect(isServableVariant({ body, contentType }, 'webp')).toBe(servable);
  });
});
