import { describe, expect, it } from 'vitest';
import { failingFirst, stubs } from '../../test/support/workflows.ts';
import { createLocalExecutions, type Execution, type LocalExecutions, type StateMachineBinding } from './executions.ts';

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
