/**
 * The local stack's operations surface over HTTP (docs/design.md, "Local
 * operations surface"), as the console page and the CLI both call it: one
 * client, so the page and `npm run imgedge` are the same operations.
 * Runs in the browser and in Node (global fetch).
 */
import { keyToUri } from '../../../core/contract/index.ts';
import type { ExecutionStatus, Execution } from '../executions.ts';
import type { TakedownRequest } from '../pipeline.ts';
import type { Fault } from '../s3-emulator.ts';
import type { LocalStats } from '../stack.ts';
import type { ExecutionSummary, Normalized, OriginalsListing, VariantsListing } from './api.ts';

/** The stack answered, with an error status; `message` is its reason. */
export class OperationFailed extends Error {
  override readonly name = 'OperationFailed';
  constructor(
    readonly status: number,
    message: string,
    /** The answer's Retry-After header, as sent (a 503 from a busy stack says how long to wait). */
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** Nothing answered at the endpoint. */
export class StackUnreachable extends Error {
  override readonly name = 'StackUnreachable';
  constructor(
    readonly endpoint: string,
    options?: ErrorOptions,
  ) {
    super(`no local stack at ${endpoint || 'this page\'s origin'}`, options);
  }
}

/** An execution still RUNNING when the caller stopped waiting: it goes on in the stack. */
export class StillRunning extends Error {
  override readonly name = 'StillRunning';
  constructor(readonly id: string, waitedMs: number) {
    super(`${id} is still running after ${Math.round(waitedMs / 1000)} s`);
  }
}

export const SETTLE_POLL_MS = 100;
/** How long settled() waits by default: the longest workflow locally (a render of every standard variant) takes seconds. */
export const SETTLE_TIMEOUT_MS = 120_000;

export interface OpsClient {
  stats(): Promise<LocalStats>;
  /** Endpoint (a region, or `variants`) → the fault injected into it, `none` when healthy. */
  faults(): Promise<Record<string, Fault>>;
  originals(): Promise<OriginalsListing>;
  variants(key: string): Promise<VariantsListing>;
  normalize(url: string, accept: string): Promise<Normalized>;
  /**
   * PUT an original under `key` (`{tenant}/{path}`): the S3 event starts its upload execution.
   * `focus` (`x,y`, core/transform/focus.ts) is its focal point, kept with it for cover crops.
   */
  upload(key: string, body: Uint8Array | Blob, contentType: string, focus?: string): Promise<{ key: string; bytes: number; region: string }>;
  takedown(request: TakedownRequest): Promise<ExecutionSummary>;
  flush(): Promise<ExecutionSummary>;
  executions(filter?: { stateMachine?: string; status?: ExecutionStatus }): Promise<ExecutionSummary[]>;
  /** One execution with its event history. */
  execution(id: string): Promise<Execution>;
  redrive(id: string): Promise<ExecutionSummary>;
  /** Polls until the execution is no longer RUNNING; throws StillRunning after `timeoutMs`. */
  settled(id: string, options?: { pollMs?: number; timeoutMs?: number }): Promise<Execution>;
}

/** `endpoint` is the stack's base URL, or '' for the page's own origin. */
export function createOpsClient(endpoint: string): OpsClient {
  const base = endpoint.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, ...init });
    } catch (err) {
      throw new StackUnreachable(base, { cause: err });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new OperationFailed(res.status, `${method} ${path} answered ${res.status} with no JSON: is ${base || 'this'} an imgedge local stack?`, res.headers.get('retry-after') ?? undefined);
    }
    if (!res.ok) throw new OperationFailed(res.status, (body as { error?: string }).error ?? `${method} ${path} answered ${res.status}`, res.headers.get('retry-after') ?? undefined);
    return body as T;
  }

  const ops: OpsClient = {
    stats: () => call('GET', '/_local/stats'),
    faults: () => call('GET', '/_local/faults'),
    originals: () => call('GET', '/_local/originals'),
    variants: (key) => call('GET', `/_local/variants?key=${encodeURIComponent(key)}`),
    normalize: (url, accept) => call('GET', `/_local/normalize?url=${encodeURIComponent(url)}&accept=${encodeURIComponent(accept)}`),
    upload: (key, body, contentType, focus) =>
      call('PUT', `/_local/originals${keyToUri(key)}${focus === undefined ? '' : `?focus=${encodeURIComponent(focus)}`}`, { body: body as BodyInit, headers: { 'content-type': contentType } }),
    takedown: (request) => call('POST', '/_local/takedown', { body: JSON.stringify(request), headers: { 'content-type': 'application/json' } }),
    flush: () => call('POST', '/_local/flush'),
    executions: (filter = {}) => {
      const query = new URLSearchParams();
      if (filter.stateMachine) query.set('stateMachine', filter.stateMachine);
      if (filter.status) query.set('status', filter.status);
      const suffix = query.size > 0 ? `?${query}` : '';
      return call('GET', `/_local/executions${suffix}`);
    },
    execution: (id) => call('GET', `/_local/executions/${encodeURIComponent(id)}`),
    redrive: (id) => call('POST', `/_local/executions/${encodeURIComponent(id)}/redrive`),
    async settled(id, { pollMs = SETTLE_POLL_MS, timeoutMs = SETTLE_TIMEOUT_MS } = {}) {
      const started = Date.now();
      for (;;) {
        const execution = await ops.execution(id);
        if (execution.status !== 'RUNNING') return execution;
        if (Date.now() - started >= timeoutMs) throw new StillRunning(id, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
  };
  return ops;
}
