/**
 * A crash in the middle of a bulk upload loses nothing that was accepted: the
 * stack runs in a child process that is killed (SIGKILL) while uploads and
 * renders are in flight; a stack started on the state it left lists the
 * executions that were cut short as interrupted, and redriving them leaves every
 * accepted original with its standard variants, each stored whole, and renders
 * only the variants that were missing: none twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INTERRUPTED } from '../../infra/local/execution-journal.ts';
import type { VariantsListing } from '../../infra/local/ops/api.ts';
import { decodeEventKey, type ObjectCreatedEvent } from '../../infra/local/s3-events.ts';
import { photo } from '../console/photo.ts';
import { settled, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const CHILD = new URL('../support/stack-child.ts', import.meta.url).pathname;
const UPLOADS = 24;
const CONCURRENCY = 4;
/** Killed once this many uploads were accepted and some render is running. */
const KILL_AFTER_ACCEPTED = 6;
const STANDARD_VARIANTS = 12;
/** Taken down before the uploads: its deny entry and queued invalidation must outlive the crash. */
const TAKEN_DOWN = 'demo/samples/badge.png';

function startChild(directory: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /^ready (\S+)$/m.exec(out);
      if (ready) resolve({ child, url: ready[1]! });
    });
    child.once('exit', (code) => reject(new Error(`the stack's process exited (${code}) before it served`)));
  });
}

describe('a crash during a bulk upload', () => {
  let directory: string;
  let running: RunningStack | undefined;
  const accepted: string[] = [];
  let interrupted: string[] = [];
  let presentAtRestart = 0;
  let rendersAtRestart = 0;
  let uploadedOriginals: string[] = [];

  const variantsOf = async (key: string) => ((await (await running!.request(`/_local/variants?key=${encodeURIComponent(key)}`)).json()) as VariantsListing).variants;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'imgedge-crash-'));
    const { child, url } = await startChild(directory);
    const runningThere = async () => ((await (await fetch(`${url}/_local/executions?status=RUNNING`)).json()) as unknown[]).length;
    // The samples rendered first: the takedown then has variants to delete, and their paths to queue.
    await vi.waitFor(async () => expect(await runningThere()).toBe(0), { timeout: 120_000, interval: 100 });
    const takedown = await fetch(`${url}/_local/takedown`, { method: 'POST', body: JSON.stringify({ tenant: 'demo', key: TAKEN_DOWN, reason: 'crash test' }) });
    expect(takedown.status).toBe(202);
    const { id } = (await takedown.json()) as { id: string };
    await vi.waitFor(async () => expect(await (await fetch(`${url}/_local/executions/${encodeURIComponent(id)}`)).json()).toMatchObject({ status: 'SUCCEEDED' }), { timeout: 120_000, interval: 100 });
    const renderRunning = async () => ((await (await fetch(`${url}/_local/executions?stateMachine=render&status=RUNNING`)).json()) as unknown[]).length > 0;
    const killed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const alive = () => child.exitCode === null && child.signalCode === null;
    let next = 0;
    const uploader = async () => {
      while (next < UPLOADS && alive()) {
        const n = next++;
        const key = `demo/bulk/photo-${n}.jpg`;
        const res = await fetch(`${url}/_local/originals/${key}`, { method: 'PUT', body: new Uint8Array(await photo(1200, 800, n)), headers: { 'content-type': 'image/jpeg' } }).catch(() => undefined);
        if (res?.status === 201) accepted.push(key);
      }
    };
    const killer = async () => {
      while (alive() && !(accepted.length >= KILL_AFTER_ACCEPTED && (await renderRunning().catch(() => false)))) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGKILL');
    };
    await Promise.all([killer(), ...Array.from({ length: CONCURRENCY }, uploader)]);
    await killed;

    running = await startTestStack({ state: { directory }, pipeline: { flushEveryMs: 0 } });
    const executions = running.stack.pipeline.executions;
    interrupted = executions.list().filter((e) => e.error === INTERRUPTED.error).map((e) => e.id);
    const uploaded = executions.list({ stateMachine: 'upload' }).map((e) => decodeEventKey((e.input as ObjectCreatedEvent).detail.object.key));
    uploadedOriginals = [...new Set(uploaded)].filter((key) => key !== TAKEN_DOWN);
    for (const key of uploadedOriginals) presentAtRestart += (await variantsOf(key)).length;
    rendersAtRestart = running.stack.stats().pipeline.renders;
    for (const id of interrupted) executions.redrive(id);
    await vi.waitFor(async () => {
      await settled(running!);
      // Only the takedown's expiry waits on (its window is a day).
      expect(executions.list({ status: 'RUNNING' }).map((e) => e.stateMachine)).toEqual(['expire-freshness']);
    }, { timeout: 240_000, interval: 200 });
  }, 420_000);
  afterAll(async () => {
    await running?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('was killed with uploads accepted and executions cut short', () => {
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    expect(accepted.length).toBeLessThan(UPLOADS);
    expect(interrupted.length).toBeGreaterThan(0);
  });

  it('still denies what was taken down before the crash, its invalidation still queued', async () => {
    expect((await running!.request(`/${TAKEN_DOWN}?w=256`)).status).toBe(451);
    expect((await running!.stack.pipeline.queue.drain()).map((item) => item.path).some((path) => path.startsWith(`/${TAKEN_DOWN}`))).toBe(true);
  });

  it('lists the interrupted executions as failed with a clear error, and each redrive succeeds', () => {
    for (const id of interrupted) {
      const { status, redriveCount, error, cause, failedState } = running!.stack.pipeline.executions.get(id)!;
      expect({ status, redriveCount }, JSON.stringify({ id, error, cause, failedState })).toEqual({ status: 'SUCCEEDED', redriveCount: 1 });
    }
  });

  it('leaves every accepted original with its standard variants, each one whole', async () => {
    for (const key of accepted) {
      const variants = await variantsOf(key);
      expect(variants, key).toHaveLength(STANDARD_VARIANTS);
      for (const variant of variants) {
        const object = await running!.stack.variants.get(variant.key, { maxBytes: Number.MAX_SAFE_INTEGER });
        const { format } = await sharp(object!.body).metadata();
        expect(format === 'heif' ? 'avif' : format, variant.key).toBe(variant.params.fmt);
      }
    }
  });

  it('rendered after the restart only the variants that were missing: none twice', async () => {
    let present = 0;
    for (const key of uploadedOriginals) present += (await variantsOf(key)).length;
    expect(present).toBe(uploadedOriginals.length * STANDARD_VARIANTS);
    expect(running!.stack.stats().pipeline.renders - rendersAtRestart).toBe(present - presentAtRestart);
  });

  it('takes a re-upload after the restart as a new upload: its sequencer is later than any the crashed process gave', async () => {
    const key = accepted[0]!;
    expect((await upload(running!, key, await photo(1200, 800, 99), 'image/jpeg')).status).toBe(201);
    await settled(running!);
    const [latest] = running!.stack.pipeline.executions.list({ stateMachine: 'upload' }).filter((e) => (e.input as ObjectCreatedEvent).detail.object.key === key);
    expect(latest).toMatchObject({ status: 'SUCCEEDED', output: { recorded: { written: true, replaced: true } } });
  });
});
