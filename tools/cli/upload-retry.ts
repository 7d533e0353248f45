/**
 * One file's PUT as `imgedge upload` sends it: again after a 503 (the stack is busy, or its store
 * failed: infra/local/server.ts putOriginal), waiting what its Retry-After says, and again after no
 * answer at all, up to MAX_UPLOAD_ATTEMPTS; any other refusal is final. Sending the same bytes
 * again is safe: a put that answered 503 may have been stored, and the pipeline takes a second
 * upload of the same bytes for nothing new.
 */
import { OperationFailed, StackUnreachable } from '../../infra/local/ops/index.ts';

/** PUTs of one file at most, the first included: at the stack's 2 s Retry-After, 14 s of waiting in all. */
export const MAX_UPLOAD_ATTEMPTS = 8;
/** The longest wait honoured: a Retry-After beyond it (or a date further off) is waited this long. */
export const MAX_RETRY_AFTER_SECONDS = 60;
/** The wait before the second attempt when the answer named none (or no answer came): doubled each time, up to MAX_RETRY_AFTER_SECONDS. */
export const FALLBACK_RETRY_SECONDS = 1;

export type Put<T> =
  | { readonly stored: true; readonly value: T; readonly attempts: number }
  | { readonly stored: false; readonly reason: string; readonly attempts: number; readonly status?: number };

/**
 * How long to wait before attempt `attempt + 1`: a Retry-After of delta-seconds or an HTTP-date
 * (RFC 9110 §10.2.3), capped at MAX_RETRY_AFTER_SECONDS; without a usable one, FALLBACK_RETRY_SECONDS
 * doubled per attempt made.
 */
export function retryDelayMs(retryAfter: string | undefined, attempt: number, now = Date.now()): number {
  const cap = MAX_RETRY_AFTER_SECONDS * 1000;
  const value = retryAfter?.trim() ?? '';
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, cap);
  const date = value === '' ? Number.NaN : Date.parse(value);
  if (!Number.isNaN(date)) return Math.min(Math.max(0, date - now), cap);
  return Math.min(FALLBACK_RETRY_SECONDS * 1000 * 2 ** (attempt - 1), cap);
}

/** Sends `put` until it is stored, refused for good, or MAX_UPLOAD_ATTEMPTS were made; `sleep` waits (tests pass their own). */
export async function putWithRetries<T>(
  put: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  maxAttempts = MAX_UPLOAD_ATTEMPTS,
): Promise<Put<T>> {
  for (let attempt = 1; ; attempt++) {
    let retryAfter: string | undefined;
    let why: string;
    let status: number | undefined;
    try {
      return { stored: true, value: await put(), attempts: attempt };
    } catch (err) {
      if (err instanceof OperationFailed && err.status === 503) {
        retryAfter = err.retryAfter;
        status = 503;
        why = `the stack answered 503 (${err.message})`;
      } else if (err instanceof StackUnreachable) {
        why = `the stack did not answer (${String((err.cause as Error | undefined)?.message ?? err.message)})`;
      } else if (err instanceof OperationFailed) {
        const reason = err.status >= 500 ? `the stack failed to store it (HTTP ${err.status}: ${err.message})` : err.message;
        return { stored: false, reason, attempts: attempt, status: err.status };
      } else {
        throw err;
      }
    }
    if (attempt >= maxAttempts) return { stored: false, reason: `not stored: ${why} to each of ${attempt} attempts; upload it again later`, attempts: attempt, ...(status && { status }) };
    await sleep(retryDelayMs(retryAfter, attempt));
  }
}
