/**
 * A Node function of the local stack: its bundle run in worker threads with
 * the function's own environment (variables, credentials, endpoints), one
 * invocation per worker at a time as in Lambda, a new worker when all are
 * busy (up to MAX_CONCURRENCY, then invocations wait). An invocation past the
 * timeout fails with Sandbox.Timedout and its worker is discarded, as Lambda
 * discards the environment. Lines the function prints go to `log`.
 */
// Loaded here, in the main thread, before any worker: sharp's shared libraries must stay
// loaded while workers that use them come and go (glibc unloads them otherwise; lovell/sharp#2263).
import 'sharp';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { Invocation, Outcome, WorkerData } from './lambda-worker.ts';

/** Workers one function may run at once: the local stand-in for its concurrency. */
export const MAX_CONCURRENCY = 8;

export interface NodeLambdaOptions {
  /** The bootstrap (lambda-worker.ts, bundled) and the function's bundle. */
  readonly worker: string;
  readonly bundle: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Each line it prints: JSON lines parsed, others as `{ message }`. */
  readonly log: (entry: Record<string, unknown>) => void;
}

export interface NodeLambda {
  invoke(event: unknown): Promise<unknown>;
  close(): Promise<void>;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
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

export function startNodeLambda(options: NodeLambdaOptions): NodeLambda {
  const idle: Environment[] = [];
  const all = new Set<Environment>();
  const waiting: Array<() => void> = [];
  let closed = false;

  function create(): Environment {
    const worker = new Worker(options.worker, {
      workerData: { bundle: options.bundle, functionName: options.functionName, functionArn: options.functionArn } satisfies WorkerData,
      env: { ...options.environment },
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) createInterface({ input: stream }).on('line', (line) => options.log(logEntry(line)));
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(namedError('Runtime.ExitError', `${options.functionName}: init exited with code ${code}`)));
    });
    ready.catch(() => undefined);
    const environment: Environment = { worker, ready };
    all.add(environment);
    worker.once('exit', () => {
      all.delete(environment);
      idle.splice(idle.indexOf(environment) >>> 0, 1);
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
    if (keep && all.has(environment)) idle.push(environment);
    else void environment.worker.terminate();
    waiting.shift()?.();
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
      const timer = setTimeout(() => done(namedError('Sandbox.Timedout', `${options.functionName}: Task timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      const onMessage = (outcome: Outcome) => {
        if (outcome.id !== id) return;
        if ('result' in outcome) done(undefined, JSON.parse(outcome.result));
        else done(namedError(outcome.errorType, outcome.errorMessage));
      };
      const onExit = (code: number) => done(namedError('Runtime.ExitError', `${options.functionName} exited with code ${code}`));
      function done(error: Error | undefined, result?: unknown) {
        clearTimeout(timer);
        worker.off('message', onMessage).off('exit', onExit);
        const healthy = error === undefined || !/^(Sandbox\.Timedout|Runtime\.ExitError)$/.test(error.name);
        release(environment, healthy);
        if (error) reject(error);
        else resolve(result);
      }
      worker.on('message', onMessage).on('exit', onExit);
      worker.postMessage({ id, event, deadline: Date.now() + options.timeoutMs } satisfies Invocation);
    });
  }

  return {
    async invoke(event) {
      return run(await acquire(), event);
    },
    async close() {
      closed = true;
      for (const wake of waiting.splice(0)) wake();
      await Promise.all([...all].map((environment) => environment.worker.terminate()));
    },
  };
}
