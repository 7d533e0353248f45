import { chmod, cp, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGoTask, goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';
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
  // A stand-in runtime: answers by echoing, exits or hangs on request, and tells its pid.
  const FAKE = `#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
const api = \`http://\${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/\`;
writeFileSync(process.env.PID_FILE, String(process.pid));
for (;;) {
  const next = await fetch(api + 'next');
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const event = await next.json();
  if (event.exit) process.exit(event.exit);
  if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
  await fetch(api + id + '/response', { method: 'POST', body: JSON.stringify({ echo: event }) });
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

  it('reports a binary that cannot start', async () => {
    const lambda = await startGoLambda(join(scratch, 'missing-binary'));
    try {
      await expect(lambda.invoke({})).rejects.toMatchObject({ name: 'Runtime.InvalidEntrypoint' });
    } finally {
      await lambda.close();
    }
  });
});
