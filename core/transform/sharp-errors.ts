/**
 * The one adapter from sharp/libvips failures to imgedge errors.
 *
 * Only the awaited libvips work on an original goes through here (reading its
 * header, rendering it): sharp's argument checks throw synchronously while a
 * pipeline is being built, outside this adapter, and stay internal errors
 * (500), as they are our bugs. By the time libvips runs, the bytes have passed
 * the sniffer, so a libvips failure means the original is bad (422) unless it
 * says the process itself ran out of something (500) or of time (503).
 */
import { ImgedgeError, RenderTimedOut, UnprocessableSource } from '../errors.ts';

interface Rule {
  /** Matched against sharp's error message. */
  readonly pattern: RegExp;
  /** The error to throw instead, or undefined to rethrow the original as an internal error. */
  readonly toError: (cause: unknown) => Error | undefined;
}

const unprocessable = (message: string) => (cause: unknown) => new UnprocessableSource(message, { cause });

/** First match wins; messages as sharp 0.35.5 / libvips 8.18 spell them. */
const RULES: readonly Rule[] = [
  // Our process, not the image: let it surface as a 500 and be logged.
  { pattern: /out of memory|vips_malloc|cannot allocate/i, toError: () => undefined },
  // sharp's own guards: limitInputPixels / limitInputChannels ("Input image exceeds pixel limit").
  { pattern: /exceeds pixel limit/i, toError: unprocessable('image has too many pixels') },
  { pattern: /exceeds channel limit/i, toError: unprocessable('image has too many channels') },
  // sharp's timeout(): "timeout: 57% complete". Slow is not corrupt: a 503, retried.
  { pattern: /^timeout\b/i, toError: (cause) => new RenderTimedOut('image took too long to render', { cause }) },
  // Known bytes that libvips still cannot open (e.g. a TIFF cut before its first IFD).
  { pattern: /unsupported image format/i, toError: unprocessable('image is corrupt: its header cannot be read') },
  { pattern: /corrupt header/i, toError: unprocessable('image is corrupt: its header cannot be read') },
  // failOn: truncated scan data ("VipsJpeg: premature end of JPEG image", "Unexpected end of GIF source data").
  { pattern: /premature end|unexpected end|truncated|bad seek/i, toError: unprocessable('image is truncated') },
];

/** Any other libvips failure on an accepted original: corrupt pixel data (libpng, tiff2vips, heif, webp errors…). */
const FALLBACK = unprocessable('image is corrupt');

/** Maps one thrown value from sharp; ImgedgeErrors pass through unchanged, the cause is always kept. */
export function fromSharpError(err: unknown): Error {
  if (err instanceof ImgedgeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  for (const rule of RULES) {
    if (rule.pattern.test(message)) return rule.toError(err) ?? toError(err);
  }
  return FALLBACK(err);
}

/** Awaits libvips work on an original, translating its failure. */
export async function sharpCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw fromSharpError(err);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
