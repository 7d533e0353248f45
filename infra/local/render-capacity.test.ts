import { afterEach, describe, expect, it, vi } from 'vitest';
import { RenderCapacity } from './render-capacity.ts';

afterEach(() => vi.useRealTimers());

describe('RenderCapacity', () => {
  it('grants its slots at once and no more', async () => {
    const capacity = new RenderCapacity(2);
    expect(await capacity.acquire(0)).toBeTypeOf('function');
    expect(await capacity.acquire(0)).toBeTypeOf('function');
    expect(capacity.stats()).toMatchObject({ inUse: 2, peak: 2 });
    expect(await capacity.acquire(0)).toBeUndefined();
  });

  it('hands a released slot to the longest waiter', async () => {
    const capacity = new RenderCapacity(1);
    const release = (await capacity.acquire(0))!;
    const order: string[] = [];
    const first = capacity.acquire(60_000).then((r) => (order.push('first'), r));
    const second = capacity.acquire(60_000).then((r) => (order.push('second'), r));
    release();
    (await first)!();
    await second;
    expect(order).toEqual(['first', 'second']);
    expect(capacity.stats()).toMatchObject({ inUse: 1, waiting: 0, peak: 1, throttled: 0 });
  });

  it('gives up on a waiter at its wait, not before, and keeps serving the others', async () => {
    vi.useFakeTimers();
    const capacity = new RenderCapacity(1);
    const release = (await capacity.acquire(0))!;
    let outcome: unknown = 'pending';
    void capacity.acquire(1_000).then((r) => (outcome = r));
    const patient = capacity.acquire(5_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBeUndefined();
    expect(capacity.stats()).toMatchObject({ waiting: 1, throttled: 1 });
    release();
    expect(await patient).toBeTypeOf('function');
  });

  it('counts a release once however often it is called', async () => {
    const capacity = new RenderCapacity(1);
    const release = (await capacity.acquire(0))!;
    release();
    release();
    expect(capacity.stats().inUse).toBe(0);
    await capacity.acquire(0);
    expect(await capacity.acquire(0)).toBeUndefined();
  });

  it('rejects a waiter whose signal aborts (its function closing) with the reason at once, clears its timer, and serves the others', async () => {
    vi.useFakeTimers();
    const capacity = new RenderCapacity(1);
    const release = (await capacity.acquire(0))!;
    const closing = new AbortController();
    let outcome: unknown = 'pending';
    void capacity.acquire(60_000, closing.signal).then(
      (r) => (outcome = r),
      (error: Error) => (outcome = error.message),
    );
    const other = capacity.acquire(60_000);
    expect(vi.getTimerCount()).toBe(2);
    closing.abort(new Error('renderer is closed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBe('renderer is closed');
    expect(vi.getTimerCount()).toBe(1);
    expect(capacity.stats()).toMatchObject({ waiting: 1, throttled: 0 });
    // Already closed: refused without waiting, nothing left behind.
    await expect(capacity.acquire(60_000, closing.signal)).rejects.toThrow('renderer is closed');
    expect(capacity.stats()).toMatchObject({ waiting: 1, throttled: 0 });
    release();
    expect(await other).toBeTypeOf('function');
    expect(vi.getTimerCount()).toBe(0);
  });
});
