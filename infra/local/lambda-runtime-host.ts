/**
 * A minimal Lambda Runtime API host, so the local stack and the tests run the
 * real Go binary of a task (docs/pipeline.md, Local run): `go build` into a
 * `bootstrap` as GoFunction does, then one process per host taking one
 * invocation at a time through next / response / error, as in Lambda.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const GO_MISSING = '`go` is not on the PATH: install golang-go (Debian) to run the invalidation planner locally';

const INVOCATION = '/2018-06-01/runtime/invocation/';
const ANSWER = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the Go module in `dir` into `outDir/bootstrap` (static: CGO off) unless
 * the binary is newer than every source, and returns its path. The binary
 * appears whole (built aside, then renamed), so concurrent builds are safe.
 */
export async function buildGoTask(dir: string, outDir: string): Promise<string> {
  const binary = join(outDir, 'bootstrap');
  if (await isNewerThanSources(binary, dir)) return binary;
  if (!goAvailable()) throw new Error(`cannot build ${dir}: ${GO_MISSING}`);
  await mkdir(outDir, { recursive: true });
  const building = `${binary}.${randomUUID()}`;
  const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOPROXY: 'off' };
  delete env.GOOS; // built to run here, whatever a CDK build left set
  delete env.GOARCH;
  try {
    await run('go', ['build', '-trimpath', '-o', building, '.'], dir, env);
    await rename(building, binary);
  } finally {
    await rm(building, { force: true });
  }
  return binary;
}

async function isNewerThanSources(binary: string, dir: string): Promise<boolean> {
  const built = await stat(binary).catch(() => undefined);
  if (!built) return false;
  const files = await readdir(dir, { recursive: true });
  const sources = files.filter((f) => (f.endsWith('.go') && !f.endsWith('_test.go')) || /(^|\/)go\.(mod|sum)$/.test(f));
  const times = await Promise.all(sources.map(async (f) => (await stat(join(dir, f))).mtimeMs));
  return times.every((t) => t <= built.mtimeMs);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} in ${cwd} failed:\n${stderr}`))));
  });
}

export interface GoLambda {
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
 */
export async function startGoLambda(binaryPath: string, options: GoLambdaOptions = {}): Promise<GoLambda> {
  const queue: Invocation[] = [];
  let current: Invocation | undefined;
  let next: ServerResponse | undefined; // the process's pending GET .../next
  let child: ChildProcess | undefined;
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
    if (req.method === 'GET' && req.url === `${INVOCATION}next`) {
      next = res;
      dispatch();
      return;
    }
    const [, id, kind] = (req.method === 'POST' && ANSWER.exec(req.url ?? '')) || [];
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

  const server = createServer((req, res) => {
    answer(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(400).end(error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  function startProcess() {
    const piped = options.log !== undefined;
    const proc = spawn(binaryPath, [], {
      env: { ...process.env, ...options.env, AWS_LAMBDA_RUNTIME_API: api },
      stdio: ['ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = proc[stream];
      if (source) createInterface({ input: source }).on('line', (line) => options.log?.(line, stream));
    }
    const gone = (error: Error) => {
      if (child === proc) child = undefined;
      next = undefined;
      if (!closed) failAll(error);
    };
    proc.on('error', (error) => gone(namedError('Runtime.InvalidEntrypoint', `${binaryPath}: ${error.message}`)));
    proc.on('exit', (code, signal) => gone(namedError('Runtime.ExitError', `${binaryPath} exited (${signal ?? `code ${code}`})`)));
    return proc;
  }
  child = startProcess();

  return {
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
