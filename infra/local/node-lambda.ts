/**
 * A Node function of the local stack: its bundle run in worker threads with
 * the function's own environment (variables, credentials, endpoints), one
 * invocation per worker at a time as in Lambda, a new worker when all are
 * busy (up to MAX_CONCURRENCY, then invocations wait). An invocation past the
 * timeout fails with Sandbox.Timedout and its worker is discarded, as Lambda
 * discards the environment. An error the function throws outside its
 * handler's promise (from a timer, an unhandled rejection) fails the running
 * invocation by its name and message and ends the worker, as Lambda's runtime
 * ends the environment. Lines the function prints go to `log`.
 */
// Loaded here, in the main thread, before any worker: sharp's shared libraries must stay
// loaded while workers that use them come and go (glibc unloads them otherwise; lovell/sharp#2263).
import 'sharp';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { Invocation, Outcome, WorkerData } from './lambda-worker.ts';
import type { RenderCapacity } from './render-capacity.ts';

/** Workers one function may run at once: the local stand-in for its concurrency. */
export const MAX_CONCURRENCY = 8;

/**
 * Node's flags for every worker. The CDK app sets NODE_OPTIONS=--enable-source-maps on every
 * task function (infra/aws/task-function.ts), so a stack trace a task logs names its sources
 * there; a worker does not read NODE_OPTIONS, so it gets the flag here. The origin-request
 * bundle has no source map, for which the flag changes nothing.
 */
const WORKER_EXEC_ARGV = ['--enable-source-maps'];

export interface NodeLambdaOptions {
  /** The bootstrap (lambda-worker.ts, bundled) and the function's bundle. */
  readonly worker: string;
  readonly bundle: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /**
   * The function's memory (tasks/registry.ts `memoryMb`): each worker's V8 old generation is
   * capped at it (`resourceLimits.maxOldGenerationSizeMb`), and a worker past it fails its
   * invocation with Runtime.ExitError. This bounds the JavaScript heap only: sharp's pixel
   * buffers are native memory outside V8's heap, which nothing here bounds (and the workers
   * share the process's memory), so a render can use more than its function would in Lambda.
   * Unset: no cap.
   */
  readonly memoryMb?: number;
  /** Each line it prints: JSON lines parsed, others as `{ message }`. */
  readonly log: (entry: Record<string, unknown>) => void;
  /**
   * A function that renders: each invocation first takes a slot of the stack's shared
   * capacity (render-capacity.ts), waiting at most `waitMs`, then fails throttled
   * (THROTTLED_ERROR) without running, as Lambda refuses an invocation past its concurrency.
   */
  readonly capacity?: {
    readonly slots: RenderCapacity;
    readonly waitMs: number;
    /** Which invocations render (the origin-request function's render-role ones); all by default. */
    readonly applies?: (event: unknown) => boolean;
  };
}

/** Lambda's error for an invocation it throttled (the Invoke API's TooManyRequestsException, HTTP 429). */
export const THROTTLED_ERROR = 'TooManyRequestsException';

/** An invocation the capacity refused: never ran. A class, so a function's own error of that name is not taken for it. */
export class Throttled extends Error {
  override name: string = THROTTLED_ERROR;
}

export interface NodeLambda {
  invoke(event: unknown): Promise<unknown>;
  close(): Promise<void>;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Set once the worker has failed or exited: it is never handed out again. */
  dead: boolean;
  /** Fails the invocation it is running, if any. */
  fail?: (error: Error) => void;
  /** Its termination, once discarded: settles only when the work its thread was doing has stopped. */
  ending?: Promise<unknown>;
}

/** A log line as an entry: structured (JSON) lines parsed, others as `{ message }`. */
export function logEntry(line: string): Record<string, unknown> {
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) return entry as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { message: line };
}

const namedError = (name: string, message: string) => Object.assign(new Error(message), { name });

/** Lambda's errorType and errorMessage for what a worker threw outside its handler's promise. */
function uncaught(functionName: string, thrown: unknown): Error {
  if (!(thrown instanceof Error)) return namedError('Error', String(thrown));
  // Past resourceLimits: the environment ends, as Lambda's does past its memory (Runtime.ExitError).
  if ((thrown as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') return namedError('Runtime.ExitError', `${functionName}: ${thrown.message}`);
  return namedError(thrown.name, thrown.message);
}

export function startNodeLambda(options: NodeLambdaOptions): NodeLambda {
  const idle: Environment[] = [];
  /** The workers that hold a concurrency slot: starting, idle or busy (not those being terminated). */
  const all = new Set<Environment>();
  /** Terminations under way, for close() to wait on. */
  const ending = new Set<Promise<unknown>>();
  const waiting: Array<() => void> = [];
  let closed = false;
  /** Aborted by close(): invocations still waiting for a render slot fail at once, their timers cleared. */
  const closing = new AbortController();

  /** A slot or an idle worker came free: the longest waiter tries again. */
  const wake = () => waiting.shift()?.();

  function create(): Environment {
    const worker = new Worker(options.worker, {
      workerData: { bundle: options.bundle, functionName: options.functionName, functionArn: options.functionArn } satisfies WorkerData,
      env: { ...options.environment },
      execArgv: WORKER_EXEC_ARGV,
      ...(options.memoryMb !== undefined && { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb } }),
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) createInterface({ input: stream }).on('line', (line) => options.log(logEntry(line)));
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', (error) => reject(uncaught(options.functionName, error)));
      worker.once('exit', (code) => reject(namedError('Runtime.ExitError', `${options.functionName}: init exited with code ${code}`)));
    });
    ready.catch(() => undefined);
    const environment: Environment = { worker, ready, dead: false };
    all.add(environment);
    // For the worker's whole life, not only its init: a handler that throws from a timer or
    // leaves a rejection unhandled ends the worker with an 'error' event; without this listener
    // the running invocation would only see the exit code.
    worker.on('error', (thrown: unknown) => {
      environment.dead = true;
      const error = uncaught(options.functionName, thrown);
      const stack = thrown instanceof Error ? thrown.stack : undefined;
      options.log({ level: 'ERROR', message: 'Uncaught error: the environment ends', functionName: options.functionName, errorType: error.name, errorMessage: error.message, ...(stack && { stack }) });
      environment.fail?.(error);
    });
    worker.once('exit', (code) => {
      environment.dead = true;
      environment.fail?.(namedError('Runtime.ExitError', `${options.functionName} exited with code ${code}`));
      const index = idle.indexOf(environment);
      if (index >= 0) idle.splice(index, 1);
      // A worker that ended by itself (a crash between invocations) frees its slot here.
      if (all.delete(environment)) wake();
    });
    return environment;
  }

  async function acquire(): Promise<Environment> {
    for (;;) {
      if (closed) throw new Error(`${options.functionName} is closed`);
      const free = idle.pop();
      if (free) return free;
      if (all.size < MAX_CONCURRENCY) return create();
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  }

  function release(environment: Environment, keep: boolean) {
    environment.fail = undefined;
    if (keep && !environment.dead && all.has(environment)) idle.push(environment);
    else {
      // The slot is free now, not when the thread's 'exit' event comes: a waiter woken before
      // that would find every slot still taken and sleep with nobody left to wake it.
      all.delete(environment);
      const termination = environment.worker.terminate().catch(() => undefined);
      environment.ending = termination;
      ending.add(termination);
      void termination.finally(() => ending.delete(termination));
    }
    wake();
  }

  async function run(environment: Environment, event: unknown): Promise<unknown> {
    try {
      await environment.ready;
    } catch (error) {
      release(environment, false);
      throw error;
    }
    const id = crypto.randomUUID();
    const { worker } = environment;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => done(namedError('Sandbox.Timedout', `${options.functionName}: Task timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      const onMessage = (outcome: Outcome) => {
        if (outcome.id !== id) return;
        if ('result' in outcome) done(undefined, JSON.parse(outcome.result));
        else done(namedError(outcome.errorType, outcome.errorMessage));
      };
      function done(error: Error | undefined, result?: unknown) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        const healthy = error === undefined || !/^(Sandbox\.Timedout|Runtime\.ExitError)$/.test(error.name);
        release(environment, healthy);
        if (error) reject(error);
        else resolve(result);
      }
      environment.fail = (error) => done(error);
      if (environment.dead) return done(namedError('Runtime.ExitError', `${options.functionName} exited before its invocation`));
      worker.on('message', onMessage);
      worker.postMessage({ id, event, deadline: Date.now() + options.timeoutMs } satisfies Invocation);
    });
  }

  /** A render slot for the invocation (or none needed), or Throttled once the wait is over; fails "{name} is closed" on close(). */
  async function renderSlot(event: unknown): Promise<(() => void) | undefined> {
    const capacity = options.capacity;
    if (!capacity || (capacity.applies && !capacity.applies(event))) return undefined;
    const release = await capacity.slots.acquire(capacity.waitMs, closing.signal);
    if (!release) throw new Throttled(`${options.functionName}: Rate Exceeded.`);
    return release;
  }

  return {
    async invoke(event) {
      const slot = await renderSlot(event);
      let environment: Environment | undefined;
      try {
        environment = await acquire();
        return await run(environment, event);
      } finally {
        // A discarded worker's native work (a render past its deadline) runs on until its thread
        // stops: the slot is free only then, or the slots would not bound what runs.
        if (slot) void (environment?.ending ?? Promise.resolve()).finally(slot);
      }
    },
    async close() {
      closed = true;
      closing.abort(new Error(`${options.functionName} is closed`));
      for (const resume of waiting.splice(0)) resume();
      await Promise.all([...[...all].map((environment) => environment.worker.terminate()), ...ending]);
    },
  };
}
