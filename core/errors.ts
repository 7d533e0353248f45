/**
 * Errors that carry an HTTP status and a message safe to show a client.
 * Anything else thrown is an internal error: 500 with a generic message, cause logged.
 *
 * Each class spells its `name` as a literal: the workflows' Retry and Catch
 * match errors by name, and minified bundles rename classes (`new.target.name`
 * would be `s` in AWS). test/bundles/error-names.test.ts checks the deployed bundles.
 */
export class ImgedgeError extends Error {
  override readonly name: string = 'ImgedgeError';
  readonly status: number = 500;
  constructor(readonly publicMessage: string, options?: { cause?: unknown }) {
    super(publicMessage, options);
  }
}

/** 400: the request itself is malformed (the contract's reasons). */
export class BadRequest extends ImgedgeError {
  override readonly name = 'BadRequest';
  override readonly status = 400;
}

/** 404: no such original. */
export class NotFound extends ImgedgeError {
  override readonly name = 'NotFound';
  override readonly status = 404;
}

/** 413: the original is larger in bytes than we will read. */
export class SourceTooLarge extends ImgedgeError {
  override readonly name = 'SourceTooLarge';
  override readonly status = 413;
}

/** 415: the original is not an image type we decode (SVG, PDF, a lying extension…). */
export class UnsupportedSource extends ImgedgeError {
  override readonly name = 'UnsupportedSource';
  override readonly status = 415;
}

/** 422: the original is an image we understand but refuse: too many pixels or frames, truncated, corrupt. */
export class UnprocessableSource extends ImgedgeError {
  override readonly name = 'UnprocessableSource';
  override readonly status = 422;
}

/**
 * 503: a render ran past its deadline (sharp's timeout, MAX_RENDER_SECONDS). A busy machine is
 * slow too, so it is not called the image's fault: no-store at the edge, retried by the
 * workflows; only an upload whose validation times out on every attempt is refused for it.
 */
export class RenderTimedOut extends ImgedgeError {
  override readonly name = 'RenderTimedOut';
  override readonly status = 503;
}

/** 503: every originals region failed or timed out; CloudFront may retry. */
export class OriginsUnavailable extends ImgedgeError {
  override readonly name = 'OriginsUnavailable';
  override readonly status = 503;
}

/** 503: a store (a bucket, a table) could not answer: 5xx, throttling, network, timeout. Callers may fail over; workflows retry it. */
export class StoreUnavailable extends ImgedgeError {
  override readonly name: string = 'StoreUnavailable';
  override readonly status = 503;
}

/**
 * The store refused the call (403): the caller's role lacks a grant. Still a
 * store the caller cannot use (readers fail over), but no workflow retries it:
 * waiting does not add a missing grant, and the failed step names it.
 */
export class AccessDenied extends StoreUnavailable {
  override readonly name = 'AccessDenied';
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

/**
 * A freshness slot cannot take another entry (core/contract/freshness.ts): more originals
 * of one slot changed within the window than it holds. Permanent: the execution fails and
 * stays visible (the bound and its odds: docs/cost-model.md).
 */
export class SlotFull extends Error {
  override readonly name = 'SlotFull';
}
