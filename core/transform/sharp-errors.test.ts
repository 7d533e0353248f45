import { describe, expect, it } from 'vitest';
import { ImgedgeError, NotFound, RenderTimedOut, toErrorResponse, UnprocessableSource } from '../errors.ts';
import { fromSharpError, sharpCall } from './sharp-errors.ts';

describe('fromSharpError', () => {
  it.each([
    ['Input image exceeds pixel limit', 'image has too many pixels'],
    ['Input image exceeds channel limit', 'image has too many channels'],
    ['Input buffer contains unsupported image format', 'image is corrupt: its header cannot be read'],
    ['Input buffer has corrupt header: VipsJpeg: premature end of JPEG image', 'image is corrupt: its header cannot be read'],
    ['VipsJpeg: premature end of JPEG image', 'image is truncated'],
    ['Input buffer has corrupt header: gifload_buffer: Unexpected end of GIF source data', 'image is corrupt: its header cannot be read'],
    ['source: bad seek to 4064\nheif: Invalid input', 'image is truncated'],
    ['vipspng: libpng read error', 'image is corrupt'],
    ['tiff2vips: Unsupported marker type 0x5a', 'image is corrupt'],
  ])('turns "%s" into a 422 saying "%s"', (message, publicMessage) => {
    const cause = new Error(message);
    const mapped = fromSharpError(cause);
    expect(mapped).toBeInstanceOf(UnprocessableSource);
    expect((mapped as UnprocessableSource).status).toBe(422);
    expect((mapped as UnprocessableSource).publicMessage).toBe(publicMessage);
    expect(mapped.cause).toBe(cause);
  });

  it('turns sharp’s timeout into a 503 RenderTimedOut: a slow render is not a bad image, and is retried', () => {
    const cause = new Error('timeout: 57% complete');
    const mapped = fromSharpError(cause);
    expect(mapped).toBeInstanceOf(RenderTimedOut);
    expect(toErrorResponse(mapped)).toEqual({ status: 503, message: 'image took too long to render' });
    expect(mapped.cause).toBe(cause);
  });

  it('leaves running out of memory an internal error (500), not the client’s fault', () => {
    const cause = new Error('vips_malloc: out of memory --- size == 400MB');
    const mapped = fromSharpError(cause);
    expect(mapped).not.toBeInstanceOf(ImgedgeError);
    expect(mapped).toBe(cause);
  });

  it('passes an ImgedgeError through unchanged', () => {
    const err = new NotFound('no such original');
    expect(fromSharpError(err)).toBe(err);
  });

  it('wraps a non-Error rejection', () => {
    expect(fromSharpError('premature end')).toBeInstanceOf(UnprocessableSource);
  });
});

describe('sharpCall', () => {
  it('rejects with the mapped error and keeps the original as cause', async () => {
    const cause = new Error('Input image exceeds pixel limit');
    const result = sharpCall(() => Promise.reject(cause));
    await expect(result).rejects.toBeInstanceOf(UnprocessableSource);
    await expect(result).rejects.toMatchObject({ status: 422, cause });
  });

  it('resolves with the value when libvips succeeds', async () => {
    await expect(sharpCall(() => Promise.resolve(42))).resolves.toBe(42);
  });
});
