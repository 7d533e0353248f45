import { StoreUnavailable } from '../../core/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { startS3Emulator, type S3Emulator } from './s3-emulator.ts';

const PUT = { contentType: 'image/jpeg', cacheControl: 'no-cache' };
const READ = { maxBytes: 1024 };

describe('local S3 emulator through the S3ObjectStore port', () => {
  let emulator: S3Emulator;
  let store: S3ObjectStore;

  beforeAll(async () => {
    emulator = await startS3Emulator({ region: ['bucket'] });
    store = new S3ObjectStore(createS3Client({ region: 'us-east-1', endpoint: emulator.endpoint('region').url, maxAttempts: 1 }), 'bucket');
  });
  afterAll(() => emulator.stop());

  it('stores and reads back bytes unchanged', async () => {
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await store.put('t/a.jpg', body, PUT);
    const read = await store.get('t/a.jpg', READ);
    expect(read?.body.equals(body)).toBe(true);
    expect(read?.contentType).toBe('image/jpeg');
  });

  it('answers a missing key with undefined, not an error', async () => {
    expect(await store.get('t/missing.jpg', READ)).toBeUndefined();
    expect(await store.exists('t/missing.jpg')).toBe(false);
  });

  it('never lets a conditional write replace an existing object', async () => {
    expect(await store.putIfAbsent('t/once.webp', Buffer.from('first'), PUT)).toBe('created');
    expect(await store.putIfAbsent('t/once.webp', Buffer.from('second'), PUT)).toBe('exists');
    expect((await store.get('t/once.webp', READ))?.body.toString()).toBe('first');
  });

  it('lets exactly one of many concurrent conditional writes win', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.putIfAbsent('t/race.webp', Buffer.from(`writer ${i}`), PUT)),
    );
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
  });

  it('refuses to read more than maxBytes', async () => {
    await store.put('t/big.jpg', Buffer.alloc(2048), PUT);
    await expect(store.get('t/big.jpg', READ)).rejects.toMatchObject({ status: 413 });
  });

  it('lists keys under a prefix', async () => {
    await store.put('u/1.jpg', Buffer.from('1'), PUT);
    await store.put('u/2/3.jpg', Buffer.from('3'), PUT);
    const keys: string[] = [];
    for await (const key of store.list('u/')) keys.push(key);
    expect(keys.sort()).toEqual(['u/1.jpg', 'u/2/3.jpg']);
  });

  it('reports an unavailable region as StoreUnavailable', async () => {
    const endpoint = emulator.endpoint('region');
    endpoint.fault = 'unavailable';
    try {
      await expect(store.get('t/a.jpg', READ)).rejects.toBeInstanceOf(StoreUnavailable);
    } finally {
      endpoint.fault = 'none';
    }
  });

  it('gives up on a region that never answers once the caller aborts', async () => {
    const endpoint = emulator.endpoint('region');
    endpoint.fault = 'timeout';
    try {
      await expect(store.get('t/a.jpg', { ...READ, signal: AbortSignal.timeout(200) })).rejects.toBeInstanceOf(StoreUnavailable);
    } finally {
      endpoint.fault = 'none';
    }
  });

  it('counts requests per method', async () => {
    const before = { ...emulator.endpoint('region').counters };
    await store.get('t/a.jpg', READ);
    await store.exists('t/a.jpg');
    expect(emulator.endpoint('region').counters.get).toBe(before.get + 1);
    expect(emulator.endpoint('region').counters.head).toBe(before.head + 1);
  });
});
