/**
 * The deadline every storage budget runs on: exact at its edge on an idle clock,
 * blind to time the process could not watch, bounded in wall-clock time anyway,
 * and never throwing away an answer that arrived while the event loop was busy.
 */
import { request, type ClientRequest } from 'node:http';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEADLINE_MAX_STRETCH, DEADLINE_SLICE_MS, deadlineSignal, watch } from './deadline.ts';

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] };
/** The fake clock runs a setImmediate one millisecond later: the turn of the loop a deadline waits before it expires. */
const LOOP_TURN_MS = 1;

/** Keeps this thread's event loop busy for `ms`, as a CPU-bound render or a starved process does. */
function block(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('watch', () => {
  it('expires at its deadline when the event loop is free (one turn of the loop later), and not a millisecond before', () => {
    vi.useFakeTimers(FAKE);
    const onExpire = vi.fn();
    const deadline = watch(3_000, onExpire);
    vi.advanceTimersByTime(2_999);
    expect(onExpire).not.toHaveBeenCalled();
    expect(deadline.expired).toBe(false);
    vi.advanceTimersByTime(LOOP_TURN_MS + 1);
    expect(onExpire).toHaveBeenCalledOnce();
    expect(deadline.expired).toBe(true);
  });

  it('never expires once cleared', () => {
    vi.useFakeTimers(FAKE);
    const onExpire = vi.fn();
    watch(1_000, onExpire).clear();
    vi.advanceTimersByTime(10_000);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('counts a stalled event loop as one slice, not as the whole stall, and still expires by its wall-clock bound', async () => {
    const ms = 1_000;
    const start = performance.now();
    const deadline = watch(ms, () => undefined);
    // Longer than the deadline, shorter than its wall-clock bound: a plain timer would have fired.
    block(1_200);
    await new Promise((resolve) => setTimeout(resolve, 0)); // after the watch's first (late) turn
    expect(deadline.expired).toBe(false);
    await vi.waitFor(() => expect(deadline.expired).toBe(true), { timeout: 10_000, interval: 10 });
    // Never sooner than the wall-clock bound allows after such a stall (later is a loaded machine).
    expect(performance.now() - start).toBeGreaterThanOrEqual(ms * DEADLINE_MAX_STRETCH - DEADLINE_SLICE_MS);
  });
});

/** An HTTP server on its own thread, so it answers while this thread's loop is blocked. */
async function serverOnAnotherThread(): Promise<{ port: number; stop(): Promise<number> }> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const server = require('node:http').createServer((req, res) => res.end('ok'));
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { port, stop: () => worker.terminate() };
}

/** Sends a GET and resolves once it is on the wire; `answer` settles with the response's status or the error. */
function sendGet(port: number, signal: AbortSignal, onResponse: () => void): { sent: Promise<void>; answer: Promise<number | Error> } {
  let req!: ClientRequest;
  const answer = new Promise<number | Error>((resolve) => {
    req = request({ host: '127.0.0.1', port, path: '/', signal, agent: false }, (res) => {
      onResponse();
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', resolve);
    req.end();
  });
  const sent = new Promise<void>((resolve) => req.once('finish', () => resolve()));
  return { sent, answer };
}

describe('deadlineSignal and an answer that arrived while the loop was busy', () => {
  it('takes the answer: it is read before the deadline is judged', async () => {
    const server = await serverOnAnotherThread();
    try {
      const deadline = deadlineSignal(300, 'GET');
      const { sent, answer } = sendGet(server.port, deadline.signal, () => deadline.clear());
      await sent;
      block(600); // past the deadline and past its wall-clock bound: it must expire now, after the pending I/O
      expect(await answer).toBe(200);
      expect(deadline.signal.aborted).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('where AbortSignal.timeout, which fires before pending I/O is read, throws it away', async () => {
    const server = await serverOnAnotherThread();
    try {
      const signal = AbortSignal.timeout(300);
      const { sent, answer } = sendGet(server.port, signal, () => undefined);
      await sent;
      block(600);
      expect(await answer).toBeInstanceOf(Error);
    } finally {
      await server.stop();
    }
  });
});
