import { StoreUnavailable } from '../../core/index.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { inspectSource, MAX_SOURCE_BYTES } from '../../core/transform/index.ts';
import {
  gifFrames,
  lyingFiles,
  paddedJpeg,
  pdfBytes,
  pngBomb,
  sampleImage,
  shippedFixture,
  svgWithExternalRef,
  truncatedJpeg,
} from '../../test/fixtures/generate.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { replay, s3EventKey, useLocalDynamo, type TestRuntime } from '../../test/support/tasks.ts';
import { createValidateOriginalTask } from './task.ts';

const local = useLocalDynamo();


describe('validate-original', () => {
  let uploads: MemoryStore;
  let test: TestRuntime;
  beforeEach(async () => {
    uploads = new MemoryStore('uploads');
    test = await local.runtime();
  });

  function validate(key: string, body: Buffer | undefined, overrides: Record<string, unknown> = {}) {
    if (body) uploads.objects.set(key, { body, contentType: undefined, cacheControl: undefined });
    const handler = createValidateOriginalTask({ uploads })(test.runtime);
    return handler({ bucket: 'uploads', key: s3EventKey(key), etag: 'e1', size: body?.length ?? 0, sequencer: '5F3A', executionName: 'upload-1', ...overrides });
  }

  it('accepts a photo, with its key decoded from the event and its real dimensions', async () => {
    const out = await validate('demo/trips/my cat+dog.jpg', await sampleImage('jpeg'));
    expect(out).toEqual({
      tenant: 'demo',
      path: 'trips/my cat+dog.jpg',
      key: 'demo/trips/my cat+dog.jpg',
      etag: 'e1',
      sequencer: '5F3A'.padStart(64, '0'),
      format: 'jpeg',
      width: 640,
      height: 427,
      bytes: (await sampleImage('jpeg')).length,
      renderExecutionName: expect.stringMatching(/^render-[0-9a-f]{32}$/),
    });
  });

  it('accepts an animation and a file whose extension lies about a type we decode: the bytes decide, as at the edge', async () => {
    expect(await validate('demo/loop.gif', shippedFixture('animated-loop-3.gif'))).toMatchObject({ format: 'gif', width: 370, height: 285 });
    const png = (await lyingFiles()).find((file) => file.name === 'holiday.jpg')!;
    expect(await validate('demo/holiday.jpg', png.bytes)).toMatchObject({ format: 'png', width: 640, height: 427 });
  });

  it('names the render execution after key@etag: the same upload always, another upload never', async () => {
    const photo = await sampleImage('jpeg');
    const first = await validate('demo/a.jpg', photo);
    const again = await validate('demo/a.jpg', photo, { executionName: 'other-execution' });
    const reupload = await validate('demo/a.jpg', photo, { etag: 'e2' });
    expect(again.renderExecutionName).toBe(first.renderExecutionName);
    expect(reupload.renderExecutionName).not.toBe(first.renderExecutionName);
  });

  it.each([
    ['a decompression bomb', 'demo/bomb.png', async () => pngBomb(), 'image is 65536×65536, more than 50000000 pixels'],
    ['a truncated JPEG', 'demo/cut.jpg', truncatedJpeg, 'image is truncated'],
    ['an SVG named .png', 'demo/logo.png', async () => svgWithExternalRef(), 'SVG is not accepted'],
    ['a PDF named .jpg', 'demo/doc.jpg', async () => pdfBytes(), 'PDF is not accepted'],
    ['an animation with too many frames', 'demo/long.gif', async () => gifFrames(400), 'image has more than 300 frames'],
    ['a file over the byte limit', 'demo/huge.jpg', () => paddedJpeg(MAX_SOURCE_BYTES + 1), 'too large'],
    ['a key with an extension we do not serve', 'demo/notes.txt', () => sampleImage('jpeg'), 'unknown extension'],
    ['a key outside any tenant', 'Demo/cat.jpg', () => sampleImage('jpeg'), 'bad tenant'],
    ['a key with a dot segment', 'demo/.hidden/cat.jpg', () => sampleImage('jpeg'), 'path segment starts with a dot'],
  ])('rejects %s with a one-line reason', async (_what, key, bytes, reason) => {
    const rejection = validate(key, await bytes());
    await expect(rejection).rejects.toMatchObject({ name: 'OriginalRejected', message: expect.stringContaining(reason) });
    await expect(rejection).rejects.toSatisfy((err: Error) => !err.message.includes('\n'));
    expect(test.metric('OriginalsRejected')).toBe(1);
  });

  it("takes the focal point the upload carries into its version (etag~focus): the same bytes with another focal point are another upload", async () => {
    const photo = await sampleImage('jpeg');
    const focused = (focus: string) => {
      uploads.objects.set('demo/f.jpg', { body: photo, contentType: 'image/jpeg', cacheControl: undefined, metadata: { focus } });
      return createValidateOriginalTask({ uploads })(test.runtime)({ bucket: 'uploads', key: 'demo/f.jpg', etag: 'e1', size: photo.length, sequencer: focus === '1,0.5' ? '5F3B' : '5F3A', executionName: 'upload-f' });
    };
    const left = await focused('0.0,0.5');
    expect(left.etag).toBe('e1~0,0.5');
    const right = await focused('1,0.5');
    expect(right.etag).toBe('e1~1,0.5');
    expect(right.renderExecutionName).not.toBe(left.renderExecutionName);
    expect((await validate('demo/plain.jpg', photo)).etag).toBe('e1');
  });

  it('rejects an upload whose focal point metadata is malformed, saying what it must be', async () => {
    uploads.objects.set('demo/f.jpg', { body: await sampleImage('jpeg'), contentType: 'image/jpeg', cacheControl: undefined, metadata: { focus: 'centre' } });
    const rejection = createValidateOriginalTask({ uploads })(test.runtime)({ bucket: 'uploads', key: 'demo/f.jpg', etag: 'e1', size: 1, sequencer: '5F3A', executionName: 'upload-f' });
    await expect(rejection).rejects.toMatchObject({ name: 'OriginalRejected', message: 'x-amz-meta-focus "centre": focus must be x,y: two fractions 0 to 1 of the width and the height (at most 4 decimals), such as 0.5,0.33' });
  });

  it('catches a truncated JPEG with the test render: its header alone looks fine', async () => {
    await expect(inspectSource(await truncatedJpeg())).resolves.toMatchObject({ width: 800, height: 600 });
  });

  it('rejects an upload deleted before it could be checked', async () => {
    await expect(validate('demo/gone.jpg', undefined)).rejects.toMatchObject({ name: 'OriginalRejected', message: expect.stringContaining('deleted') });
  });

  it('lets a store outage through as transient, not as a rejection', async () => {
    uploads.fail = new StoreUnavailable('bucket uploads unavailable');
    await expect(validate('demo/cat.jpg', undefined)).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });

  it('refuses an event from a bucket that is not the uploads bucket, reading nothing', async () => {
    await expect(validate('demo/cat.jpg', await sampleImage('jpeg'), { bucket: 'elsewhere' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(uploads.calls).toEqual([]);
  });

  it('validates once for a duplicate event, a retry and a redrive, and returns the same output', async () => {
    const photo = await sampleImage('jpeg');
    uploads.objects.set('demo/cat.jpg', { body: photo, contentType: undefined, cacheControl: undefined });
    const handler = createValidateOriginalTask({ uploads })(test.runtime);
    const [first, ...replays] = await replay(handler, { bucket: 'uploads', key: 'demo/cat.jpg', etag: 'e1', size: photo.length, sequencer: '5F3A' });
    expect(replays).toEqual([first, first]);
    expect(uploads.calls).toEqual(['get demo/cat.jpg']);
    expect(test.metric('OriginalsValidated')).toBe(1);
  });
});
