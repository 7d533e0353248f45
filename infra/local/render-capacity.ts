/**
 * What AWS gives every instance of a rendering function and the local stack
 * cannot: its own memory and CPU. Here the origin-request function and the
 * render and validation tasks all run in one process: one heap for sharp's
 * pixel buffers (outside V8's, so no worker's resourceLimits bound them) and
 * one libuv pool, whose threads each render holds for its whole run and which
 * file I/O also needs. So their invocations share LOCAL_RENDER_SLOTS: the
 * others wait, each at most its function's wait, and are then throttled as
 * Lambda throttles an invocation past its concurrency (Lambda's
 * TooManyRequestsException; CloudFront answers a throttled Lambda@Edge with a
 * 503, docs/aws-limits.md §B "Throttling symptom").
 */

/**
 * Rendering invocations at once in the local stack: 3.
 * Why: one fewer than libuv's 4 threads (Node's default UV_THREADPOOL_SIZE),
 * so a render never takes the last thread file I/O needs; and 3 renders of
 * the largest accepted original (50 MP, about 400 MB each at 16 bits, see
 * MAX_SOURCE_PIXELS) fit a developer's machine beside the stack itself.
 */
export const LOCAL_RENDER_SLOTS = 3;

/**
 * Longest an invocation waits for a slot before it is throttled: 10 s.
 * Why: with the longest render after it (MAX_RENDER_SECONDS, 10 s, and the
 * original's fetch) a waiting origin-request invocation still answers inside
 * the 30 s CloudFront gives that function (docs/aws-limits.md §B), where
 * Lambda@Edge itself would not queue it at all; a task throttled here is
 * retried by its workflow.
 */
export const LOCAL_RENDER_WAIT_MS = 10_000;

/** What /_local/stats shows of the capacity since the stack started. */
export interface RenderSlotStats {
  readonly slots: number;
  readonly inUse: number;
  readonly waiting: number;
  /** Most slots in use at once. */
  readonly peak: number;
  /** Invocations that waited their whole wait and were refused. */
  readonly throttled: number;
}

/** A counting semaphore whose waiters are served in arrival order and give up after their wait. */
export class RenderCapacity {
  private free: number;
  private peak = 0;
  private throttled = 0;
  private readonly waiters: Array<(granted: boolean) => void> = [];

  constructor(readonly slots = LOCAL_RENDER_SLOTS) {
    this.free = slots;
  }

  stats(): RenderSlotStats {
    return { slots: this.slots, inUse: this.slots - this.free, waiting: this.waiters.length, peak: this.peak, throttled: this.throttled };
  }

  /**
   * Resolves with the slot's release, or undefined once `waitMs` has passed without one. Rejects
   * with `signal`'s reason when it aborts first (the invocation's function is closing): the waiter
   * leaves the queue and its timer is cleared, so nothing waits on past a stop, and it is not
   * counted throttled.
   */
  acquire(waitMs: number, signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.granted());
    }
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
      };
      const waiter = (granted: boolean) => {
        leave();
        resolve(granted ? this.granted() : undefined);
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        this.throttled++;
        waiter(false);
      }, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A slot now held: counted, and its release (once, however often called) passes it on. */
  private granted(): () => void {
    this.peak = Math.max(this.peak, this.slots - this.free);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next(true);
      else this.free++;
    };
  }
}
