/**
 * Errors that carry an HTTP status and a message safe to show a client.
 * Anything else thrown is an internal error: 500 with a generic message, cause logged.
 */
export class ImgedgeError extends Error {
  readonly status: number = 500;
  constructor(readonly publicMessage: string, options?: { cause?: unknown }) {
    super(publicMessage, options);
    this.name = new.target.name;
  }
}

/** 400: the request itself is malformed (the contract's reasons). */
export class BadRequest extends ImgedgeError {
  override readonly status = 400;
}

/** 404: no such original. */
export class NotFound extends ImgedgeError {
  override readonly status = 404;
}

/** 413: the original is larger in bytes than we will read. */
export class SourceTooLarge extends ImgedgeError {
  override readonly status = 413;
}

/** 415: the original is not an image type we decode (SVG, PDF, a lying extension…). */
export class UnsupportedSource extends ImgedgeError {
  override readonly status = 415;
}

/** 422: the original is an image we understand but refuse: too many pixels or frames, truncated, corrupt. */
export class UnprocessableSource extends ImgedgeError {
  override readonly status = 422;
}

/** 503: every originals region failed or timed out; CloudFront may retry. */
export class OriginsUnavailable extends ImgedgeError {
  override readonly status = 503;
}

export interface ErrorResponse {
  readonly status: number;
  readonly message: string;
}

/** The one mapping from any thrown value to what a client sees. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof ImgedgeError) return { status: err.status, message: err.publicMessage };
  return { status: 500, message: 'internal error' };
}
