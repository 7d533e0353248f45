import { randomUUID } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGoTask, goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';
import { BROWSER_REQUESTS, rawRequest } from '../../test/support/cross-site.ts';
import { startGoLambda, type GoLambda } from './lambda-runtime-host.ts';

const PLANNER = fileURLToPath(new URL('../../tasks/plan-invalidations', import.meta.url));
const PLANNER_OUT = fileURLToPath(new URL('../../dist/tasks/plan-invalidations', import.meta.url));
const HAS_GO = goAvailable();
const flush = (pending: { path: string; version: number }[], executionName = 'flush-test') => ({
  pending,
  claimed: [],
  inFlight: { paths: 0, wildcards: 0 },
  executionName,
});

/**
 * What else may reach the Runtime API's port: a web page (each way a browser request gives
 * itself away) and a local client that does not have the process's path, taking the next
 * invocation or answering one. Unguarded, a GET of next takes the process's place in line.
 */
const FOREIGN_CALLS = [
  ...BROWSER_REQUESTS.map(({ method, headers }) => ({ method: method ?? 'GET', path: '/2018-06-01/runtime/invocation/next', headers })),
  { method: 'GET', path: '/2018-06-01/runtime/invocation/next', headers: {} },
  { method: 'POST', path: `/2018-06-01/runtime/invocation/${randomUUID()}/error`, headers: {} },
];
const foreignCalls = async (url: string) => {
  const statuses: number[] = [];
  for (const { method, path, headers } of FOREIGN_CALLS) statuses.push((await rawRequest(url, path, { method, headers: { host: new URL(url).host, ...headers }, body: method === 'POST' ? '{}' : undefined })).status);
  return statuses;
};

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lambda-host-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!HAS_GO)(`buildGoTask${HAS_GO ? '' : ' (skipped: `go` is not on the PATH; install golang-go)'}`, () => {
  it('builds a bootstrap once and again only when a source is newer', async () => {
    const module = join(scratch, 'module');
    await cp(PLANNER, module, { recursive: true });
    const out = join(scratch, 'out');
    const binary = await buildGoTask(module, out);
    expect(binary).toBe(join(out, 'bootstrap'));
    const built = await stat(binary);

    const { mtimeMs } = await stat(await buildGoTask(module, out));
    expect(mtimeMs).toBe(built.mtimeMs);

    const later = new Date(built.mtimeMs + 2_000);
    await utimes(join(module, 'plan_test.go'), later, later); // tests are not part of the binary
    expect((await stat(await buildGoTask(module, out))).mtimeMs).toBe(built.mtimeMs);
    await utimes(join(module, 'plan.go'), later, later);
    expect((await stat(await buildGoTask(module, out))).mtimeMs).toBeGreaterThan(built.mtimeMs);
  }, 120_000);
});

describe('buildGoTask without go', () => {
  it('says what to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(scratch, 'nothing-here');
    try {
      await expect(buildGoTask(PLANNER, join(scratch, 'never'))).rejects.toThrow(
        /`go` is not on the PATH: install golang-go \(Debian\) to run the invalidation planner locally/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe.skipIf(!HAS_GO)(`startGoLambda with the planner${HAS_GO ? '' : ' (skipped: `go` is not on the PATH; install golang-go)'}`, () => {
  let planner: GoLambda;
  const logs: string[] = [];
  beforeAll(async () => {
    const binary = await buildGoTask(PLANNER, PLANNER_OUT);
    planner = await startGoLambda(binary, { env: { POWERTOOLS_LOG_LEVEL: 'INFO' }, log: (line) => logs.push(line) });
  }, 120_000);
  afterAll(() => planner?.close());

  it('returns the binary’s result', async () => {
    const plan = await planner.invoke<{ batches: { paths: string[] }[]; stats: { sent: number } }>(flush([{ path: '/t/a.jpg?w=1', version: 1 }]));
    expect(plan.batches.map((b) => b.paths)).toEqual([['/t/a.jpg?w=1']]);
    expect(plan.stats.sent).toBe(1);
  });

  it('rejects with an Error named after the errorType', async () => {
    const error = await planner.invoke({ pending: [] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TaskInputInvalid', message: 'plan-invalidations: input rejected: claimed: required' });
  });

  it('queues concurrent invocations and answers each with its own result', async () => {
    const plans = await Promise.all(
      Array.from({ length: 20 }, (_, i) => planner.invoke<{ batches: { paths: string[] }[] }>(flush([{ path: `/t/${i}.jpg`, version: 1 }]))),
    );
    expect(plans.map((p) => p.batches[0]?.paths[0])).toEqual(Array.from({ length: 20 }, (_, i) => `/t/${i}.jpg`));
  });

  it('keeps delivering invocations to the planner after browsers and other callers were refused', async () => {
    expect(await foreignCalls(planner.url)).toEqual(FOREIGN_CALLS.map(() => 403));
    const plan = await planner.invoke<{ batches: { paths: string[] }[] }>(flush([{ path: '/t/after.jpg', version: 1 }]));
    expect(plan.batches.map((b) => b.paths)).toEqual([['/t/after.jpg']]);
  });

  it('passes the log lines on, with the execution name as correlation id', async () => {
    await planner.invoke(flush([{ path: '/t/logged.jpg', version: 1 }], 'flush-logged'));
    // The line crosses a pipe, the response a socket: either may arrive first.
    const line = await vi.waitFor(() => {
      const found = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.correlation_id === 'flush-logged');
      if (!found) throw new Error('no log line of flush-logged yet');
      return found;
    });
    expect(line).toMatchObject({ level: 'INFO', message: 'planned', service: 'plan-invalidations', sent: 1, deferred: 0 });
  });
});

describe('startGoLambda process lifecycle', () => {
  // A stand-in runtime: answers by echoing, exits or hangs on request, and tells its pid. It
  // speaks node:http, as runtime clients do: Node's fetch sends Sec-Fetch-Mode, which the host refuses.
  const FAKE = `#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
const api = \`http://\${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/\`;
const call = (method, url, body) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ id: res.headers['lambda-runtime-aws-request-id'], text }));
    });
    req.on('error', reject);
    req.end(body);
  });
writeFileSync(process.env.PID_FILE, String(process.pid));
for (;;) {
  const next = await call('GET', api + 'next');
  const event = JSON.parse(next.text);
  if (event.exit) process.exit(event.exit);
  if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
  await call('POST', api + next.id + '/response', JSON.stringify({ echo: event }));
}
`;
  let fake: string;
  beforeAll(async () => {
    fake = join(scratch, 'fake-runtime.mjs');
    await writeFile(fake, FAKE);
    await chmod(fake, 0o755);
  });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('fails the invocation a process exits on, then starts a new process', async () => {
    const lambda = await startGoLambda(fake, { env: { PID_FILE: join(scratch, 'exits.pid') } });
    try {
      await expect(lambda.invoke({ exit: 3 })).rejects.toMatchObject({ name: 'Runtime.ExitError', message: expect.stringContaining('code 3') });
      await expect(lambda.invoke({ n: 1 })).resolves.toEqual({ echo: { n: 1 } });
    } finally {
      await lambda.close();
    }
  });

  it('kills the process on close and fails what is still waiting', async () => {
    const pidFile = join(scratch, 'closes.pid');
    const lambda = await startGoLambda(fake, { env: { PID_FILE: pidFile } });
    const hanging = expect(lambda.invoke({ hang: true })).rejects.toThrow('the Lambda host is closed');
    const queued = expect(lambda.invoke({ n: 2 })).rejects.toThrow('the Lambda host is closed');
    await expect.poll(async () => Number(await readFile(pidFile, 'utf8').catch(() => '0'))).toBeGreaterThan(0);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await lambda.close();
    await Promise.all([hanging, queued]);
    expect(alive(pid)).toBe(false);
    await expect(lambda.invoke({})).rejects.toThrow('the Lambda host is closed');
  });

  it('serves only the process it started: a refused caller takes no invocation, and the next one still reaches the process', async () => {
    const lambda = await startGoLambda(fake, { env: { PID_FILE: join(scratch, 'guarded.pid') } });
    try {
      await expect(lambda.invoke({ n: 1 })).resolves.toEqual({ echo: { n: 1 } }); // the process is up and waiting on next
      expect(await foreignCalls(lambda.url)).toEqual(FOREIGN_CALLS.map(() => 403));
      await expect(lambda.invoke({ n: 2 })).resolves.toEqual({ echo: { n: 2 } });
    } finally {
      await lambda.close();
    }
  });

  it('reports a binary that cannot start', async () => {
    const lambda = await startGoLambda(join(scratch, 'missing-binary'));
    try {
      await expect(lambda.invoke({})).rejects.toMatchObject({ name: 'Runtime.InvalidEntrypoint' });
    } finally {
      await lambda.close();
    }
  });
});
