/**
 * Deadlines for AWS calls, in two layers.
 *
 * 1. Every HTTP attempt of every SDK client: the Node handler's own timeouts,
 *    configured so that they are enforced (`sdkAttemptTimeouts`). What the
 *    installed @smithy/node-http-handler (4.14) does with each, read in its
 *    source (dist-cjs/index.js):
 *    - `requestTimeout` alone only logs "[WARN] a request has exceeded the
 *      configured … requestTimeout" (setRequestTimeout); with
 *      `throwOnRequestTimeout: true` it destroys the request and rejects with a
 *      TimeoutError. Its timer is cleared when the response headers arrive
 *      (resolve → clearTimeouts), so it bounds the wait for the first byte of
 *      the answer, not the body.
 *    - `socketTimeout` is `socket.setTimeout` on the request's socket, kept until
 *      the request closes (setSocketTimeout): a socket with no traffic for that
 *      long is destroyed and the call rejected, body included.
 *    - `connectionTimeout` destroys a request whose socket has not connected.
 *    A TimeoutError is transient to the SDK's retry strategy, so an attempt that
 *    hangs is retried on a new connection, which is what S3 advises for slow
 *    requests ("aggressively retrying slower operations … using a new
 *    connection", https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html).
 *    Without these, nothing bounds an S3 attempt: the S3 client sets no socket
 *    timeout of its own (DynamoDB's and CloudFront's default to 300 s).
 *
 * 2. A call as a whole, where its caller has a budget: an AbortSignal passed as
 *    the `abortSignal` option of `client.send`. The handler listens to it for the
 *    request's whole life (the listener is removed on the request's 'close'), so
 *    aborting after the headers arrived still destroys the socket and fails the
 *    body stream ("aborted", ECONNRESET); the retry middleware races its backoff
 *    against it and does not retry an AbortError. `deadlineSignal` makes such a
 *    signal.
 *
 * The deadlines of layer 2 (and the originals reader's hedging) tell a slow
 * machine from a slow service: they count only time the process could watch.
 * A timer that fires late (the event loop was busy, the process was starved of
 * CPU) counts at most one slice of DEADLINE_SLICE_MS for the whole gap, and
 * once the count is reached the expiry waits one turn of the loop
 * (setImmediate runs after the I/O poll phase, timers before it), so an answer
 * that arrived while we were not looking is taken rather than thrown away.
 * Never more than DEADLINE_MAX_STRETCH times the deadline of wall-clock time,
 * however busy the machine: a deadline stays a deadline.
 */

/** The largest piece of a gap between two timer turns that counts towards a deadline. */
export const DEADLINE_SLICE_MS = 100;
/** However starved the process, a deadline expires by this multiple of itself in wall-clock time. */
export const DEADLINE_MAX_STRETCH = 1.5;

export interface Watch {
  /** Stops the watch; onExpire is not called after this. */
  clear(): void;
  readonly expired: boolean;
}

/** Calls `onExpire` once `ms` of watchable time has passed (see above), unless cleared first. */
export function watch(ms: number, onExpire: () => void): Watch {
  const start = performance.now();
  const wallLimit = start + ms * DEADLINE_MAX_STRETCH;
  let counted = 0;
  let last = start;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  let state: 'running' | 'cleared' | 'expired' = 'running';

  const expire = () => {
    immediate = setImmediate(() => {
      if (state !== 'running') return;
      state = 'expired';
      onExpire();
    });
    immediate.unref?.();
  };
  const schedule = (delay: number) => {
    timer = setTimeout(tick, Math.max(0, delay));
    timer.unref?.();
  };
  function tick() {
    const now = performance.now();
    counted += Math.min(now - last, DEADLINE_SLICE_MS);
    last = now;
    if (counted >= ms || now >= wallLimit) return expire();
    schedule(Math.min(DEADLINE_SLICE_MS, ms - counted, wallLimit - now));
  }
  schedule(Math.min(DEADLINE_SLICE_MS, ms));

  return {
    clear() {
      if (state === 'running') state = 'cleared';
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
    get expired() {
      return state === 'expired';
    },
  };
}

/** The reason a deadline aborts with: named as Node's and the SDK's timeouts are. */
export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}

export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Call when the work is done: the deadline no longer runs. */
  clear(): void;
}

/**
 * An AbortSignal that aborts after `ms` of watchable time, or with `parent`.
 * The reason is a TimeoutError saying `what` ran out of time.
 */
export function deadlineSignal(ms: number, what: string, parent?: AbortSignal): DeadlineSignal {
  const controller = new AbortController();
  const deadline = watch(ms, () => controller.abort(timeoutError(`${what}: no answer within ${ms} ms`)));
  const signal = parent ? AbortSignal.any([parent, controller.signal]) : controller.signal;
  return { signal, clear: () => deadline.clear() };
}

/** What the attempt-level deadlines of one SDK client are (layer 1). */
export interface AttemptTimeouts {
  /** Until the socket connects. */
  readonly connectMs: number;
  /** Until the service starts answering (headers), from the moment the attempt's request is made. */
  readonly firstByteMs: number;
  /** No byte either way for this long, the body included. */
  readonly idleMs: number;
}

/**
 * The `requestHandler` configuration of an SDK client whose timeouts are enforced
 * (see above: `throwOnRequestTimeout` is what turns requestTimeout from a warning
 * into an error). Pass it as the client's `requestHandler`.
 */
export function sdkAttemptTimeouts(timeouts: AttemptTimeouts) {
  return {
    connectionTimeout: timeouts.connectMs,
    requestTimeout: timeouts.firstByteMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.idleMs,
  };
}
