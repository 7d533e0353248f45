import { describe, expect, it } from 'vitest';
import { OperationFailed, StackUnreachable } from '../../infra/local/ops/index.ts';
import { FALLBACK_RETRY_SECONDS, MAX_RETRY_AFTER_SECONDS, MAX_UPLOAD_ATTEMPTS, putWithRetries, retryDelayMs } from './upload-retry.ts';

const busy = (retryAfter?: string) => new OperationFailed(503, 'busy: 16 uploads are being stored already; retry after 2 s', retryAfter);

/** A put that fails with each of `errors` in turn, then answers; and the waits it was made to make. */
function scripted(errors: readonly Error[]) {
  const pending = [...errors];
  const waits: number[] = [];
  let calls = 0;
  const put = async () => {
    calls++;
    const error = pending.shift();
    if (error) throw error;
    return { key: 'demo/a.jpg' };
  };
  return { put, waits, sleep: async (ms: number) => void waits.push(ms), calls: () => calls };
}

describe('retryDelayMs', () => {
  it('waits what Retry-After says, in seconds or as a date', () => {
    expect(retryDelayMs('2', 1)).toBe(2000);
    expect(retryDelayMs('0', 3)).toBe(0);
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(retryDelayMs('Thu, 03 Dec 2026 12:00:05 GMT', 1, now)).toBe(5000);
    expect(retryDelayMs('Thu, 03 Dec 2026 11:59:00 GMT', 1, now)).toBe(0);
  });

  it(`waits at most MAX_RETRY_AFTER_SECONDS (${MAX_RETRY_AFTER_SECONDS}): at the edge as asked, past it capped`, () => {
    expect(retryDelayMs(String(MAX_RETRY_AFTER_SECONDS), 1)).toBe(MAX_RETRY_AFTER_SECONDS * 1000);
    expect(retryDelayMs(String(MAX_RETRY_AFTER_SECONDS + 1), 1)).toBe(MAX_RETRY_AFTER_SECONDS * 1000);
    const now = Date.now();
    expect(retryDelayMs(new Date(now + 3_600_000).toUTCString(), 1, now)).toBe(MAX_RETRY_AFTER_SECONDS * 1000);
  });

  it('backs off from FALLBACK_RETRY_SECONDS, doubling, without a usable Retry-After', () => {
    expect([1, 2, 3].map((attempt) => retryDelayMs(undefined, attempt))).toEqual([1, 2, 4].map((n) => n * FALLBACK_RETRY_SECONDS * 1000));
    expect(retryDelayMs('soon', 1)).toBe(FALLBACK_RETRY_SECONDS * 1000);
    expect(retryDelayMs(undefined, 30)).toBe(MAX_RETRY_AFTER_SECONDS * 1000);
  });
});

describe('putWithRetries', () => {
  it(`stores a file the stack refused with 503 on all but the last of MAX_UPLOAD_ATTEMPTS (${MAX_UPLOAD_ATTEMPTS}), waiting each Retry-After`, async () => {
    const { put, waits, sleep, calls } = scripted(Array.from({ length: MAX_UPLOAD_ATTEMPTS - 1 }, () => busy('2')));
    await expect(putWithRetries(put, sleep)).resolves.toEqual({ stored: true, value: { key: 'demo/a.jpg' }, attempts: MAX_UPLOAD_ATTEMPTS });
    expect(waits).toEqual(Array(MAX_UPLOAD_ATTEMPTS - 1).fill(2000));
    expect(calls()).toBe(MAX_UPLOAD_ATTEMPTS);
  });

  it('gives up after MAX_UPLOAD_ATTEMPTS 503s: not stored, with the reason, never a PUT more', async () => {
    const { put, waits, sleep, calls } = scripted(Array.from({ length: MAX_UPLOAD_ATTEMPTS }, () => busy('2')));
    const result = await putWithRetries(put, sleep);
    expect(result).toEqual({
      stored: false,
      status: 503,
      attempts: MAX_UPLOAD_ATTEMPTS,
      reason: `not stored: the stack answered 503 (busy: 16 uploads are being stored already; retry after 2 s) to each of ${MAX_UPLOAD_ATTEMPTS} attempts; upload it again later`,
    });
    expect(calls()).toBe(MAX_UPLOAD_ATTEMPTS);
    expect(waits).toHaveLength(MAX_UPLOAD_ATTEMPTS - 1);
  });

  it('sends again after no answer at all, backing off', async () => {
    const { put, waits, sleep } = scripted([new StackUnreachable('http://127.0.0.1:1', { cause: new Error('ECONNRESET') })]);
    await expect(putWithRetries(put, sleep)).resolves.toMatchObject({ stored: true, attempts: 2 });
    expect(waits).toEqual([FALLBACK_RETRY_SECONDS * 1000]);
  });

  it('takes any other refusal as final: a 4xx with its reason, another 5xx as a failure to store', async () => {
    const refused = scripted([new OperationFailed(400, 'unknown extension .svg')]);
    await expect(putWithRetries(refused.put, refused.sleep)).resolves.toEqual({ stored: false, status: 400, attempts: 1, reason: 'unknown extension .svg' });
    const broken = scripted([new OperationFailed(500, 'TypeError: x is undefined')]);
    await expect(putWithRetries(broken.put, broken.sleep)).resolves.toEqual({ stored: false, status: 500, attempts: 1, reason: 'the stack failed to store it (HTTP 500: TypeError: x is undefined)' });
    expect([refused.waits, broken.waits]).toEqual([[], []]);
  });
});
