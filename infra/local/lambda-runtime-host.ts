/**
 * A minimal Lambda Runtime API host, so the local stack and the tests run the
 * real Go binary of a task (docs/pipeline.md, Local run): `go build` into a
 * `bootstrap` as GoFunction does, then one process per host taking one
 * invocation at a time through next / response / error, as in Lambda.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { loopbackOnly } from './loopback-guard.ts';

const INVOCATION = '/2018-06-01/runtime/invocation/';
const ANSWER = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export interface GoLambda {
  /** The Runtime API's address; it serves only the process it started (startGoLambda). */
  readonly url: string;
  /** Resolves with the function's result; rejects with an Error whose `name` is the errorType it reported. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface GoLambdaOptions {
  /** Added to the process's environment (e.g. POWERTOOLS_LOG_LEVEL). */
  env?: Record<string, string>;
  /** Receives the process's log lines; without it they go to this process's stdout and stderr. */
  log?: (line: string, stream: 'stdout' | 'stderr') => void;
}

interface Invocation {
  id: string;
  event: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Serves the Runtime API on 127.0.0.1 (a random port) to one process of
 * `binaryPath`. Invocations queue and go to the process one at a time. A
 * process that exits fails the invocation it held (`Runtime.ExitError`, as in
 * Lambda) and those queued; the next invocation starts a new one.
 *
 * In Lambda only the function can reach its Runtime API. Here the port is any
 * local caller's, so each process gets a path of its own in AWS_LAMBDA_RUNTIME_API
 * (`127.0.0.1:{port}/{random}`); runtime clients build their URLs as
 * `http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/…` and carry it unknowingly. A request
 * without the current process's path is refused before it reaches the queue: it
 * can neither take an invocation nor answer one.
 */
export async function startGoLambda(binaryPath: string, options: GoLambdaOptions = {}): Promise<GoLambda> {
  const queue: Invocation[] = [];
  let current: Invocation | undefined;
  let next: ServerResponse | undefined; // the process's pending GET .../next
  let child: ChildProcess | undefined;
  let childPath: string | undefined; // the current process's path prefix
  let closed = false;

  function dispatch() {
    if (!next || current) return;
    current = queue.shift();
    if (!current) return;
    next.writeHead(200, { 'content-type': 'application/json', 'lambda-runtime-aws-request-id': current.id }).end(current.event);
    next = undefined;
  }

  function failAll(error: Error) {
    for (const invocation of [current, ...queue.splice(0)]) invocation?.reject(error);
    current = undefined;
  }

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '';
    if (childPath === undefined || !url.startsWith(`${childPath}/`)) {
      res.writeHead(403).end('this Runtime API serves only the process it started');
      return;
    }
    const path = url.slice(childPath.length);
    if (req.method === 'GET' && path === `${INVOCATION}next`) {
      next = res;
      dispatch();
      return;
    }
    const [, id, kind] = (req.method === 'POST' && ANSWER.exec(path)) || [];
    const invocation = current;
    if (!invocation || id !== invocation.id) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    current = undefined;
    res.writeHead(202).end();
    if (kind === 'response') {
      invocation.resolve(body === '' ? undefined : JSON.parse(body));
    } else {
      const { errorType, errorMessage } = JSON.parse(body) as { errorType?: string; errorMessage?: string };
      invocation.reject(namedError(errorType ?? 'Error', errorMessage ?? ''));
    }
    dispatch();
  }

  const server = createServer(loopbackOnly((req, res) => {
    answer(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(400).end(error.message);
    });
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  function startProcess() {
    const piped = options.log !== undefined;
    const path = `/${randomUUID()}`;
    const proc = spawn(binaryPath, [], {
      env: { ...process.env, ...options.env, AWS_LAMBDA_RUNTIME_API: `${api}${path}` },
      stdio: ['ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = proc[stream];
      if (source) createInterface({ input: source }).on('line', (line) => options.log?.(line, stream));
    }
    const gone = (error: Error) => {
      if (child === proc) child = childPath = undefined;
      next = undefined;
      if (!closed) failAll(error);
    };
    proc.on('error', (error) => gone(namedError('Runtime.InvalidEntrypoint', `${binaryPath}: ${error.message}`)));
    proc.on('exit', (code, signal) => gone(namedError('Runtime.ExitError', `${binaryPath} exited (${signal ?? `code ${code}`})`)));
    childPath = path;
    return proc;
  }
  child = startProcess();

  return {
    url: `http://${api}`,
    invoke<T>(event: unknown) {
      if (closed) return Promise.reject(new Error('the Lambda host is closed'));
      child ??= startProcess();
      return new Promise<T>((resolve, reject) => {
        queue.push({ id: randomUUID(), event: JSON.stringify(event), resolve: resolve as (result: unknown) => void, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      failAll(new Error('the Lambda host is closed'));
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGKILL');
        await exited;
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
