import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { failingFirst, stubs } from '../../test/support/workflows.ts';
import { executionJournal, INTERRUPTED } from './execution-journal.ts';
import { createLocalExecutions, type Execution, type LocalExecutions, MAX_EXECUTION_HISTORIES, MAX_EXECUTIONS, type StateMachineBinding } from './executions.ts';

const lambda = 'arn:aws:lambda:us-east-1:000000000000:function:x';

/** Work (a Lambda Task) → Done. */
const working = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: lambda, Next: 'Done' }, Done: { Type: 'Succeed' } } };
/** Check (Pass) → Reject (Fail). */
const rejecting = {
  StartAt: 'Check',
  States: { Check: { Type: 'Pass', Next: 'Reject' }, Reject: { Type: 'Fail', Error: 'Rejected', Cause: 'not an image' } },
};

/** A promise the test resolves: keeps an execution RUNNING until then. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function setup(work: Parameters<typeof stubs>[0]['x'], extra: Record<string, StateMachineBinding> = {}) {
  const tasks = stubs({ Work: work });
  const settledNames: string[] = [];
  const executions = createLocalExecutions({
    stateMachines: { work: { definition: working, handlers: tasks.handlers }, reject: { definition: rejecting, handlers: {} }, ...extra },
    retryIntervalMs: 0,
    onSettled: (execution) => settledNames.push(execution.name),
  });
  return { executions, tasks, settledNames };
}

const rejectsWith = (code: string) => expect.objectContaining({ name: `StepFunctions.${code}Exception`, code });

describe('local Step Functions executions', () => {
  it('runs an execution under a random name to SUCCEEDED with the handler output', async () => {
    const { executions, settledNames } = setup(({ n }) => ({ doubled: n * 2 }));
    const first = executions.start('work', { n: 2 });
    const second = executions.start('work', { n: 3 });
    expect(first.name).not.toBe(second.name);
    expect(first).toMatchObject({ status: 'RUNNING', redriveCount: 0 });

    await executions.settled();
    expect(executions.get(first.id)).toMatchObject({ status: 'SUCCEEDED', output: { doubled: 4 }, error: undefined });
    expect(executions.get(second.id)?.output).toEqual({ doubled: 6 });
    expect(settledNames.sort()).toEqual([first.name, second.name].sort());
  });

  it('reports a Fail state as FAILED with its error, cause and state', async () => {
    const { executions } = setup(() => ({}));
    const execution = executions.start('reject', {}, 'upload-1');
    await executions.settled();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'not an image', failedState: 'Reject' });
  });

  it('returns the running execution for the same name and input, and refuses the name otherwise', async () => {
    const { opened, open } = gate();
    const { executions, tasks } = setup(() => opened.then(() => ({ done: true })));
    const execution = executions.start('work', { key: 'a.jpg' }, 'render-a');
    expect(executions.start('work', { key: 'a.jpg' }, 'render-a')).toBe(execution);
    expect(() => executions.start('work', { key: 'b.jpg' }, 'render-a')).toThrow(rejectsWith('ExecutionAlreadyExists'));

    open();
    await executions.settled();
    expect(execution.status).toBe('SUCCEEDED');
    expect(() => executions.start('work', { key: 'a.jpg' }, 'render-a')).toThrow(rejectsWith('ExecutionAlreadyExists'));
    expect(tasks.called()).toEqual(['Work']);
  });

  it('redrives a failed execution: same name and input, the failing handler runs again and now succeeds', async () => {
    const outage = Object.assign(new Error('table unavailable'), { name: 'ServiceUnavailable' });
    const { executions, tasks } = setup(failingFirst([outage], ({ key }) => ({ recorded: key })));
    const execution = executions.start('work', { key: 'a.jpg' }, 'upload-1');
    await executions.settled();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ServiceUnavailable', failedState: 'Work' });

    expect(executions.redrive(execution.id)).toBe(execution);
    expect(execution).toMatchObject({ status: 'RUNNING', redriveCount: 1, error: undefined, failedState: undefined });
    await executions.settled();

    expect(execution).toMatchObject({ name: 'upload-1', status: 'SUCCEEDED', output: { recorded: 'a.jpg' }, redriveCount: 1 });
    expect(tasks.calls.map((call) => call.input)).toEqual([{ key: 'a.jpg' }, { key: 'a.jpg' }]);
    expect(executions.list()).toHaveLength(1);
  });

  it('redrives only failed executions that exist', async () => {
    const { executions } = setup(() => ({}));
    const succeeded = executions.start('work', {});
    expect(() => executions.redrive(succeeded.id)).toThrow(rejectsWith('ExecutionNotRedrivable'));
    await executions.settled();
    expect(() => executions.redrive(succeeded.id)).toThrow(rejectsWith('ExecutionNotRedrivable'));
    expect(() => executions.redrive(`${succeeded.id}-missing`)).toThrow(rejectsWith('ExecutionDoesNotExist'));
    expect(() => executions.start('nope', {})).toThrow(rejectsWith('StateMachineDoesNotExist'));
  });

  it('lists executions newest first, filtered by state machine and status', async () => {
    const { executions } = setup(() => ({}));
    for (const [machine, name] of [['work', 'w1'], ['reject', 'r1'], ['work', 'w2']]) executions.start(machine!, {}, name);
    await executions.settled();
    const names = (list: readonly Execution[]) => list.map((execution) => execution.name);
    expect(names(executions.list())).toEqual(['w2', 'r1', 'w1']);
    expect(names(executions.list({ stateMachine: 'work' }))).toEqual(['w2', 'w1']);
    expect(names(executions.list({ status: 'FAILED' }))).toEqual(['r1']);
    expect(names(executions.list({ stateMachine: 'reject', status: 'SUCCEEDED' }))).toEqual([]);
  });

  it('settles only when the executions started by a running execution have finished too', async () => {
    let executions: LocalExecutions;
    const child = stubs({ Work: () => new Promise((resolve) => setTimeout(() => resolve({ child: 'done' }), 20)) });
    // eslint-disable-next-line prefer-const -- declared above: the handler built here reads it once assigned
    ({ executions } = setup(async () => ({ started: executions.start('child', {}, 'child-1').id }), {
      child: { definition: working, handlers: child.handlers },
    }));
    executions.start('work', {}, 'parent-1');
    await executions.settled();
    expect(executions.list().map(({ name, status }) => [name, status])).toEqual([['child-1', 'SUCCEEDED'], ['parent-1', 'SUCCEEDED']]);
    expect(executions.list({ stateMachine: 'child' })[0]?.output).toEqual({ child: 'done' });
  });

  it('fails an execution the interpreter cannot run with States.Runtime and why, instead of rejecting', async () => {
    const { executions } = setup(() => ({}), { broken: { definition: working, handlers: {} } });
    const execution = executions.start('broken', {}, 'broken-1');
    await executions.settled();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'no handler for Task state(s): Work', events: [] });
    expect(execution.stoppedAt).toBeDefined();
  });
});

describe('what the local executions keep', () => {
  const done = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
  const bounded = () => createLocalExecutions({ stateMachines: { done: { definition: done, handlers: {} }, reject: { definition: rejecting, handlers: {} } }, retryIntervalMs: 0 });
  /** Starts and settles `n` executions one at a time, so they settle in start order. */
  async function run(executions: LocalExecutions, n: number, machine = 'done', prefix = 'e'): Promise<Execution[]> {
    const started: Execution[] = [];
    for (let i = 0; i < n; i++) {
      started.push(executions.start(machine, { i }, `${prefix}-${i}`));
      await executions.settled();
    }
    return started;
  }

  it('keeps the event histories of MAX_EXECUTION_HISTORIES settled executions; past that the oldest keeps its summary and drops its events', async () => {
    const executions = bounded();
    const first = await run(executions, MAX_EXECUTION_HISTORIES);
    expect(first.every((execution) => execution.events.length > 0 && !execution.historyEvicted)).toBe(true);

    await run(executions, 1, 'done', 'one-more');
    const oldest = executions.get(first[0]!.id);
    expect(oldest).toMatchObject({ name: 'e-0', status: 'SUCCEEDED', input: { i: 0 }, events: [], historyEvicted: true });
    expect(executions.get(first[1]!.id)?.events.length).toBeGreaterThan(0);
    // Still listed, as the console and the CLI list it.
    expect(executions.list()).toHaveLength(MAX_EXECUTION_HISTORIES + 1);
    expect(executions.list().at(-1)?.name).toBe('e-0');
  });

  it('redrives a failed execution whose history was dropped: its input is kept, and it gets a new history', async () => {
    const executions = bounded();
    const [failed] = await run(executions, 1, 'reject', 'failed');
    await run(executions, MAX_EXECUTION_HISTORIES);
    expect(executions.get(failed!.id)).toMatchObject({ status: 'FAILED', historyEvicted: true, events: [] });
    executions.redrive(failed!.id);
    await executions.settled();
    const redriven = executions.get(failed!.id);
    expect(redriven?.redriveCount).toBe(1);
    expect(redriven?.historyEvicted).toBeUndefined();
    expect(redriven?.events.length).toBeGreaterThan(0);
  });

  it('keeps MAX_EXECUTIONS settled executions at all; past that the oldest is gone: not listed, not found, its name free again', async () => {
    const executions = bounded();
    const started = await run(executions, MAX_EXECUTIONS);
    expect(executions.list()).toHaveLength(MAX_EXECUTIONS);
    expect(executions.get(started[0]!.id)).toBeDefined();

    await run(executions, 1, 'done', 'one-more');
    expect(executions.list()).toHaveLength(MAX_EXECUTIONS);
    expect(executions.get(started[0]!.id)).toBeUndefined();
    expect(() => executions.redrive(started[0]!.id)).toThrow(expect.objectContaining({ code: 'ExecutionDoesNotExist' }));
    expect(executions.get(started[1]!.id)).toBeDefined();
    // As on AWS once the execution data is removed: the name can be used again.
    expect(executions.start('done', { again: true }, 'e-0').status).toBe('RUNNING');
    await executions.settled();
  }, 120_000);

  it('never evicts a running execution', async () => {
    const { opened, open } = gate();
    const tasks = stubs({ Work: () => opened.then(() => ({})) });
    const executions = createLocalExecutions({
      stateMachines: { work: { definition: working, handlers: tasks.handlers }, done: { definition: done, handlers: {} } },
      retryIntervalMs: 0,
      limits: { histories: 1, executions: 2 },
    });
    const runningOne = executions.start('work', {}, 'long');
    for (let i = 0; i < 3; i++) {
      const quick = executions.start('done', {}, `e-${i}`);
      await vi.waitFor(() => expect(quick.status).toBe('SUCCEEDED'));
    }
    expect(executions.get(runningOne.id)?.status).toBe('RUNNING');
    expect(executions.list().map((execution) => execution.name)).toEqual(['e-2', 'long']);
    open();
    await executions.settled();
  });
});

describe('a bound on the executions of a state machine doing work at once', () => {
  const LIMIT = 2;
  /** `work` bounded to LIMIT, `other` not; each execution's Work waits until the test opens its input's `n`. */
  function bounded(journal?: string) {
    const gates = new Map<number, () => void>();
    const opened = new Map<number, Promise<void>>();
    const gateOf = (n: number) => {
      if (!opened.has(n)) opened.set(n, new Promise<void>((resolve) => gates.set(n, resolve)));
      return opened.get(n)!;
    };
    const failing = new Set<number>();
    const tasks = stubs({
      Work: ({ n }: { n: number }) =>
        gateOf(n).then(() => {
          if (failing.delete(n)) throw new Error(`work ${n} failed`);
          return { n };
        }),
    });
    const executions = createLocalExecutions({
      stateMachines: { work: { definition: working, handlers: tasks.handlers }, other: { definition: working, handlers: tasks.handlers } },
      retryIntervalMs: 0,
      concurrency: { work: LIMIT },
      ...(journal && { journal: executionJournal(journal) }),
    });
    const open = (n: number) => {
      void gateOf(n);
      gates.get(n)!();
    };
    /** Ends the Work of `n` waiting now with an error; the next Work of `n` waits for its gate again. */
    const fail = (n: number) => {
      failing.add(n);
      open(n);
      opened.delete(n);
    };
    /** The `n` of each execution whose Work has started, in order. */
    const startedNs = () => tasks.calls.map((call) => (call.input as { n: number }).n);
    return { executions, open, fail, working: startedNs };
  }

  it('runs LIMIT at once; one past it is RUNNING with no events, and starts, oldest first, as one ends', async () => {
    const { executions, open, working: started } = bounded();
    const runs = [1, 2, 3, 4].map((n) => executions.start('work', { n }, `w-${n}`));
    await vi.waitFor(() => expect(started()).toEqual([1, 2]));
    expect(runs.map((e) => e.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    expect(executions.working('work')).toBe(LIMIT);
    expect(runs[2]!.events).toEqual([]);
    expect(runs[3]!.events).toEqual([]);

    open(2);
    await vi.waitFor(() => expect(started()).toEqual([1, 2, 3]));
    expect(runs[1]!.status).toBe('SUCCEEDED');
    open(3);
    await vi.waitFor(() => expect(started()).toEqual([1, 2, 3, 4]));
    open(1);
    open(4);
    await executions.settled();
    expect(runs.map((e) => [e.status, e.output])).toEqual([1, 2, 3, 4].map((n) => ['SUCCEEDED', { n }]));
  });

  it('bounds only the state machine it names: another runs as many as start', async () => {
    const { executions, open, working: started } = bounded();
    for (const n of [1, 2, 3]) executions.start('other', { n });
    await vi.waitFor(() => expect(started()).toEqual([1, 2, 3]));
    expect(executions.working('other')).toBe(3);
    for (const n of [1, 2, 3]) open(n);
    await executions.settled();
  });

  it('settles only once the executions waiting for a slot have run too; a redrive waits its turn like a start', async () => {
    const { executions, open, fail, working: started } = bounded();
    const failing = executions.start('work', { n: 0 });
    const runs = [1, 2, 3].map((n) => executions.start('work', { n }));
    let settled = false;
    const all = executions.settled().then(() => (settled = true));
    await vi.waitFor(() => expect(started()).toEqual([0, 1]));
    // n 0 fails; the slot it frees goes to 2, the oldest waiter, and its redrive queues behind 3.
    fail(0);
    await vi.waitFor(() => expect(failing.status).toBe('FAILED'));
    executions.redrive(failing.id);
    open(1);
    await vi.waitFor(() => expect(started()).toEqual([0, 1, 2, 3]));
    expect(settled).toBe(false);
    open(2);
    open(3);
    await vi.waitFor(() => expect(started()).toEqual([0, 1, 2, 3, 0]));
    expect(settled).toBe(false);
    open(0);
    await all;
    expect([failing, ...runs].map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('drains: lets what works finish and starts none of those waiting, which a stop then keeps', async () => {
    const { executions, open, working: started } = bounded();
    const runs = [1, 2, 3].map((n) => executions.start('work', { n }));
    await vi.waitFor(() => expect(started()).toEqual([1, 2]));
    const drained = executions.drain();
    open(1);
    open(2);
    await drained;
    expect(runs.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'RUNNING']);
    expect(executions.start('work', { n: 4 }).status).toBe('RUNNING');
    expect(started()).toEqual([1, 2]);
    await executions.stop();
    expect(runs[2]!.error).toBe('States.Aborted');
  });

  it('aborts, at a stop without a journal, the executions still waiting for a slot, and never runs them', async () => {
    const { executions, working: started } = bounded();
    const runs = [1, 2, 3].map((n) => executions.start('work', { n }));
    await vi.waitFor(() => expect(started()).toEqual([1, 2]));
    await executions.stop();
    expect(runs[2]).toMatchObject({ status: 'FAILED', error: 'States.Aborted', cause: 'the local stack stopped before this execution started', events: [] });
    expect(started()).toEqual([1, 2]);
  });

  it('keeps, with a journal, one still waiting at a stop as a start to come: the next process runs it from the start, not Local.Interrupted', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'imgedge-bound-'));
    try {
      const first = bounded(directory);
      [1, 2, 3].map((n) => first.executions.start('work', { n }, `w-${n}`));
      await vi.waitFor(() => expect(first.working()).toEqual([1, 2]));
      await first.executions.stop();

      const second = bounded(directory);
      second.open(3);
      await vi.waitFor(() => expect(second.working()).toEqual([3]));
      await second.executions.settled();
      const byName = Object.fromEntries(second.executions.list().map((e) => [e.name, e]));
      expect(byName['w-3']).toMatchObject({ status: 'SUCCEEDED', output: { n: 3 } });
      // The two that were doing work were cut short: interrupted, as before.
      expect([byName['w-1']?.error, byName['w-2']?.error]).toEqual([INTERRUPTED.error, INTERRUPTED.error]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('takes one a crash found waiting for a slot as interrupted, and one resumed from a stop then cut short by a crash as well: none runs twice', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'imgedge-bound-'));
    try {
      // A crash: the first process is left as it is, its journal read by the next.
      const crashed = bounded(directory);
      [1, 2, 3].map((n) => crashed.executions.start('work', { n }, `w-${n}`));
      await vi.waitFor(() => expect(crashed.working()).toEqual([1, 2]));
      const second = bounded(directory);
      expect(second.executions.list().map((e) => [e.name, e.error])).toEqual([3, 2, 1].map((n) => [`w-${n}`, INTERRUPTED.error]));

      // A stop keeps w-6 as a start to come; the next process runs it, and crashes mid-work.
      const stopped = bounded(directory);
      [4, 5, 6].map((n) => stopped.executions.start('work', { n }, `w-${n}`));
      await vi.waitFor(() => expect(stopped.working()).toEqual([4, 5]));
      await stopped.executions.stop();
      const resumed = bounded(directory);
      await vi.waitFor(() => expect(resumed.working()).toEqual([6]));
      const after = bounded(directory);
      const byName = Object.fromEntries(after.executions.list().map((e) => [e.name, e]));
      expect(byName['w-6']).toMatchObject({ status: 'FAILED', error: INTERRUPTED.error });
      expect(after.working()).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('never runs one started after the stop', async () => {
    const { executions, working: started } = bounded();
    [1, 2].map((n) => executions.start('work', { n }));
    await vi.waitFor(() => expect(started()).toEqual([1, 2]));
    const stopping = executions.stop();
    const late = executions.start('work', { n: 3 });
    await stopping;
    await vi.waitFor(() => expect(late.status).toBe('FAILED'));
    expect(started()).toEqual([1, 2]);
  });
});
