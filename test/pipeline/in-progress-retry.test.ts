/**
 * A retried task that finds its own work's idempotency record in progress waits it out: the
 * record stays in progress for up to the remaining time of the invocation that wrote it, so
 * at most the longest task timeout, and IN_PROGRESS_RETRY keeps retrying past that.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK_TIMEOUT_SECONDS, TASKS } from '../../tasks/registry.ts';
import { IN_PROGRESS_RETRY } from '../../workflows/common.ts';

/** The waits before each retry, as Step Functions computes them without jitter. */
function waits({ IntervalSeconds = 1, BackoffRate = 2, MaxAttempts = 3, MaxDelaySeconds = Infinity }: typeof IN_PROGRESS_RETRY): number[] {
  return Array.from({ length: MaxAttempts }, (_, i) => Math.min(IntervalSeconds * BackoffRate ** i, MaxDelaySeconds));
}

describe('IN_PROGRESS_RETRY', () => {
  it('keeps retrying longer than any task’s in-progress record can last (its timeout)', () => {
    const longest = Math.max(...Object.values(TASKS).map((task) => ('timeoutSeconds' in task ? task.timeoutSeconds : DEFAULT_TASK_TIMEOUT_SECONDS)));
    expect(IN_PROGRESS_RETRY.JitterStrategy).toBe('NONE'); // with full jitter the waits could be any shorter
    // The last retry comes after the longest-held record has expired, counted from the failure (later than its holder's start).
    expect(waits(IN_PROGRESS_RETRY).reduce((a, b) => a + b, 0)).toBeGreaterThan(longest);
  });
});
