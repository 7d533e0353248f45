import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { workerBuildOptions } from './bundles.ts';
import { MAX_CONCURRENCY, startNodeLambda, THROTTLED_ERROR, type NodeLambda, type NodeLambdaOptions } from './node-lambda.ts';
import { RenderCapacity } from './render-capacity.ts';

/** A handler for each way an invocation ends. */
const HANDLER = `
export const handler = async (event) => {
  if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
  if (event.crash) {
    setTimeout(() => { throw new TypeError('boom from a timer: the real cause'); }, 0);
    await new Promise(() => {});
  }
  if (event.reject) {
    Promise.reject(new Error('unhandled rejection cause'));
    await new Promise(() => {});
  }
  if (event.allocateMb) {
    const kept = [];
    for (let i = 0; i < event.allocateMb; i++) kept.push(new Array(131072).fill(i));
    return { allocated: kept.length };
  }
  return { ok: event.n };
};
`;

/** A TypeScript handler built as the tasks are (minified, with a source map). */
const THROWER = `
export async function handler(): Promise<never> {
  throw new RangeError('out of range');
}
`;

let dir: string;
let worker: string;
const running: NodeLambda[] = [];
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'node-lambda-'));
  worker = join(dir, 'lambda-worker.mjs');
  await build(workerBuildOptions(worker));
  await writeFile(join(dir, 'handler.mjs'), HANDLER);
  await writeFile(join(dir, 'thrower.ts'), THROWER);
  await build({ entryPoints: [join(dir, 'thrower.ts')], outfile: join(dir, 'thrower.mjs'), bundle: true, platform: 'node', format: 'esm', minify: true, sourcemap: true, logLevel: 'warning' });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((fn) => fn.close()));
  logs.length = 0;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function start(options: Partial<NodeLambdaOptions> = {}): NodeLambda {
  const fn = startNodeLambda({
    worker,
    bundle: join(dir, 'handler.mjs'),
    functionName: 'f',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    environment: {},
    timeoutMs: 2_000,
    log: (entry) => logs.push(entry),
    ...options,
  });
  running.push(fn);
  return fn;
}

const outcome = (invocation: Promise<unknown>): Promise<{ result?: unknown; name?: string; message?: string }> =>
  invocation.then(
    (result) => ({ result }),
    (error: Error) => ({ name: error.name, message: error.message }),
  );

describe('a Node function in worker threads', () => {
  it('settles every invocation waiting for a worker when the busy ones time out (none waits forever)', async () => {
    const fn = start();
    // Every slot warm, as a busy local stack has them.
    await Promise.all(Array.from({ length: MAX_CONCURRENCY }, (_, n) => fn.invoke({ n })));
    const settled: Array<{ name?: string }> = [];
    for (let n = 0; n <= MAX_CONCURRENCY; n++) void outcome(fn.invoke({ hang: true, n })).then((o) => settled.push(o));
    await vi.waitFor(() => expect(settled).toHaveLength(MAX_CONCURRENCY + 1), { timeout: 60_000, interval: 50 });
    expect(settled.map((o) => o.name)).toEqual(Array(MAX_CONCURRENCY + 1).fill('Sandbox.Timedout'));
    expect(await fn.invoke({ n: 'later' })).toEqual({ ok: 'later' });
  }, 90_000);

  it('fails an invocation whose handler throws from a timer with that error, and logs it', async () => {
    const fn = start();
    expect(await outcome(fn.invoke({ crash: true }))).toEqual({ name: 'TypeError', message: 'boom from a timer: the real cause' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', errorType: 'TypeError', errorMessage: 'boom from a timer: the real cause' }));
    // The environment ended with it; the next invocation gets a new one.
    expect(await fn.invoke({ n: 1 })).toEqual({ ok: 1 });
  });

  it('fails an invocation that leaves a rejection unhandled as Runtime.UnhandledPromiseRejection, as Lambda does', async () => {
    const fn = start();
    expect(await outcome(fn.invoke({ reject: true }))).toEqual({ name: 'Runtime.UnhandledPromiseRejection', message: 'Error: unhandled rejection cause' });
    expect(await fn.invoke({ n: 2 })).toEqual({ ok: 2 });
  });

  it("logs a minified bundle's stack trace against its sources (CDK sets --enable-source-maps)", async () => {
    const fn = start({ bundle: join(dir, 'thrower.mjs') });
    expect(await outcome(fn.invoke({}))).toMatchObject({ name: 'RangeError' });
    const invokeError = logs.find((entry) => entry.message === 'Invoke Error');
    const frames = ((invokeError?.stack as string[] | undefined)?.[0] ?? '').split('\n').slice(1);
    expect(frames[0]).toMatch(/thrower\.ts:3:\d+/);
  });

  it("caps a worker's JavaScript heap at the function's memory", async () => {
    const small = start({ memoryMb: 64 });
    expect(await outcome(small.invoke({ allocateMb: 256 }))).toMatchObject({ name: 'Runtime.ExitError', message: expect.stringContaining('memory limit') });
    const big = start({ memoryMb: 1024 });
    expect(await big.invoke({ allocateMb: 256 })).toEqual({ allocated: 256 });
  }, 60_000);

  it('shares a render capacity between functions: past it they wait, and past the wait they are throttled without running', async () => {
    const slots = new RenderCapacity(1);
    const renderer = start({ functionName: 'renderer', capacity: { slots, waitMs: 60_000 } });
    const other = start({ functionName: 'other', capacity: { slots, waitMs: 60_000 } });
    const impatient = start({ functionName: 'impatient', capacity: { slots, waitMs: 0 } });
    const hanging = outcome(renderer.invoke({ hang: true }));
    await vi.waitFor(() => expect(slots.stats().inUse).toBe(1));
    const waiting = other.invoke({ n: 2 });
    expect(await outcome(impatient.invoke({ n: 3 }))).toEqual({ name: THROTTLED_ERROR, message: 'impatient: Rate Exceeded.' });
    // An invocation that does not render takes no slot: it runs while every slot is held.
    const rewriter = start({ functionName: 'rewriter', capacity: { slots, waitMs: 0, applies: (event) => (event as { render?: boolean }).render === true } });
    expect(await rewriter.invoke({ n: 4 })).toEqual({ ok: 4 });
    expect(await outcome(rewriter.invoke({ n: 5, render: true }))).toMatchObject({ name: THROTTLED_ERROR });
    // The hanging invocation times out (2 s), frees the slot, and the waiting one runs.
    expect(await hanging).toMatchObject({ name: 'Sandbox.Timedout' });
    expect(await waiting).toEqual({ ok: 2 });
    await vi.waitFor(() => expect(slots.stats()).toMatchObject({ inUse: 0, peak: 1, throttled: 2 }));
  }, 60_000);

  it('fails an invocation still waiting for a render slot when its function closes, at once and not as a throttle', async () => {
    const slots = new RenderCapacity(1);
    const held = (await slots.acquire(0))!; // held by something that is not closing (another function, a test)
    const fn = start({ functionName: 'renderer', capacity: { slots, waitMs: 600_000 } });
    const settled: Array<{ name?: string; message?: string }> = [];
    void outcome(fn.invoke({ n: 1 })).then((o) => settled.push(o));
    await vi.waitFor(() => expect(slots.stats().waiting).toBe(1));
    await fn.close();
    await vi.waitFor(() => expect(settled).toEqual([{ name: 'Error', message: 'renderer is closed' }]), { timeout: 5_000 });
    expect(slots.stats()).toMatchObject({ inUse: 1, waiting: 0, throttled: 0 });
    held();
    expect(slots.stats().inUse).toBe(0);
  });
});
