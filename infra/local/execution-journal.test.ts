import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stubs } from '../../test/support/workflows.ts';
import { executionJournal, INTERRUPTED } from './execution-journal.ts';
import { createLocalExecutions } from './executions.ts';

const lambda = 'arn:aws:lambda:us-east-1:000000000000:function:x';
/** Work (a Lambda Task) → Done. */
const working = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambda, Next: 'Done' }, Done: { Type: 'Succeed' } } };
/** Prepare, wait a day, then Work: an expiry. */
const waiting = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Task', Resource: lambda, Next: 'Window' },
    Window: { Type: 'Wait', Seconds: 86_400, Next: 'Work' },
    Work: { Type: 'Task', Resource: lambda, End: true },
  },
};

describe('local executions kept in a journal', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'imgedge-journal-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  /** A process's executions over the journal; `work` resolves when `release` is called. */
  function processOn(options: { limits?: { histories?: number; executions?: number }; waitMs?: number } = {}) {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const tasks = stubs({ Prepare: () => ({ prepared: 'before the wait' }), Work: (input) => held.then(() => ({ done: true, got: input })) });
    const executions = createLocalExecutions({
      stateMachines: { work: { definition: working, handlers: { Work: tasks.handlers.Work! } }, expiry: { definition: waiting, handlers: tasks.handlers } },
      retryIntervalMs: 0,
      journal: executionJournal(directory),
      limits: options.limits,
      waitMs: options.waitMs,
    });
    return { executions, tasks, release };
  }

  it('lists after a restart what settled before, newest first, with outputs and histories', async () => {
    const first = processOn();
    first.release();
    const a = first.executions.start('work', { n: 1 }, 'a');
    const b = first.executions.start('work', { n: 2 }, 'b');
    await first.executions.settled();
    await first.executions.stop();

    const second = processOn();
    expect(second.executions.list().map((e) => e.name)).toEqual(['b', 'a']);
    expect(second.executions.get(a.id)).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    expect(second.executions.get(b.id)!.events.length).toBeGreaterThan(0);
    expect(() => second.executions.start('work', { n: 1 }, 'a')).toThrow(expect.objectContaining({ code: 'ExecutionAlreadyExists' }));
  });

  it('finds an execution a crash cut short mid-work FAILED, Local.Interrupted, and redrives it to the end', async () => {
    const crashed = processOn();
    const cut = crashed.executions.start('work', { n: 1 }, 'cut');
    await expect.poll(() => crashed.tasks.called()).toEqual(['Work']);
    // The process dies here: nothing more of it is written.

    const restarted = processOn();
    expect(restarted.executions.get(cut.id)).toMatchObject({ status: 'FAILED', ...INTERRUPTED });
    restarted.release();
    restarted.executions.redrive(cut.id);
    await restarted.executions.settled();
    expect(restarted.executions.get(cut.id)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    // The "crashed" one is never released: a dead process writes nothing more.
  });

  it('runs on from its Wait state, on the next start, an execution a stop left waiting there', async () => {
    const stopped = processOn();
    const expiry = stopped.executions.start('expiry', {}, 'expire-a');
    await stopped.executions.settled(); // paused in its day-long wait
    await stopped.executions.stop();

    // Its wait starts over (shortened here, so it ends), then what follows it runs, on what the state before it gave.
    const restarted = processOn({ waitMs: 10 });
    expect(restarted.executions.get(expiry.id)).toMatchObject({ status: 'RUNNING', redriveCount: 0 });
    restarted.release();
    await restarted.executions.settled();
    expect(restarted.executions.get(expiry.id)).toMatchObject({ status: 'SUCCEEDED', output: { done: true, got: { prepared: 'before the wait' } } });
    expect(restarted.tasks.called()).toEqual(['Work']);
  });

  it('keeps its bounds across restarts: histories dropped and executions forgotten on disk too', async () => {
    const first = processOn({ limits: { histories: 1, executions: 2 } });
    first.release();
    for (const name of ['a', 'b', 'c']) first.executions.start('work', {}, name);
    await first.executions.settled();
    expect(await readdir(directory)).toHaveLength(2);

    const second = processOn({ limits: { histories: 1, executions: 2 } });
    expect(second.executions.list().map((e) => [e.name, e.historyEvicted ?? false])).toEqual([['c', false], ['b', true]]);
  });

  it('drops a record whose write a crash cut short, keeping the last whole one', async () => {
    const first = processOn();
    first.release();
    const a = first.executions.start('work', {}, 'a');
    await first.executions.settled();
    await writeFile(join(directory, 'cut-short.json.tmp'), '{"execution":');

    const second = processOn();
    expect(second.executions.list().map((e) => e.id)).toEqual([a.id]);
    expect(await readdir(directory)).toHaveLength(1);
  });
});
