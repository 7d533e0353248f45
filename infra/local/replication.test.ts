import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { startReplication, type Replication } from './replication.ts';
import { INTERNAL_USER_AGENT, startS3Emulator, type S3Emulator } from './s3-emulator.ts';

const READ = { maxBytes: 1024 };
const PUT = { contentType: 'image/jpeg' };

describe('local cross-region replication', () => {
  let emulator: S3Emulator;
  let replication: Replication;
  let delayMs = 0;
  const store = (endpoint: string, userAgent?: string) =>
    new S3ObjectStore(createS3Client({ region: 'us-east-1', endpoint: emulator.endpoint(endpoint).url, maxAttempts: 1, userAgent }), 'originals');

  beforeAll(async () => {
    emulator = await startS3Emulator({ primary: ['originals'], replica: ['originals'] });
    replication = startReplication({
      source: emulator.endpoint('primary'),
      sourceStore: store('primary', INTERNAL_USER_AGENT),
      replicas: [store('replica', INTERNAL_USER_AGENT)],
      delayMs: () => delayMs,
    });
  });
  afterAll(async () => {
    replication.stop();
    await emulator.stop();
  });

  it('copies a new original to the replica, bytes and content type intact', async () => {
    await store('primary').put('t/a.jpg', Buffer.from('original'), PUT);
    await replication.settled();
    const copy = await store('replica').get('t/a.jpg', READ);
    expect(copy?.body.toString()).toBe('original');
    expect(copy?.contentType).toBe('image/jpeg');
  });

  it('deletes from the replica what is deleted from the primary', async () => {
    await store('primary').put('t/gone.jpg', Buffer.from('x'), PUT);
    await store('primary').delete('t/gone.jpg');
    await replication.settled();
    expect(await store('replica').exists('t/gone.jpg')).toBe(false);
  });

  it('lags by the configured delay', async () => {
    delayMs = 300;
    try {
      await store('primary').put('t/late.jpg', Buffer.from('late'), PUT);
      expect(await store('replica').exists('t/late.jpg')).toBe(false);
      await replication.settled();
      expect(await store('replica').exists('t/late.jpg')).toBe(true);
    } finally {
      delayMs = 0;
    }
  });

  it('catches up once a replica region that was down comes back', async () => {
    const replica = emulator.endpoint('replica');
    replica.fault = 'unavailable';
    await store('primary').put('t/while-down.jpg', Buffer.from('eventually'), PUT);
    await new Promise((resolve) => setTimeout(resolve, 400));
    replica.fault = 'none';
    await replication.settled();
    expect((await store('replica').get('t/while-down.jpg', READ))?.body.toString()).toBe('eventually');
  });

  it('does not count its own traffic as origin fetches', async () => {
    const before = emulator.endpoint('primary').counters.get;
    await store('primary').put('t/uncounted.jpg', Buffer.from('x'), PUT);
    await replication.settled();
    expect(emulator.endpoint('primary').counters.get).toBe(before);
  });
});
