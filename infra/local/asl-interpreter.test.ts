import { describe, expect, it } from 'vitest';
import { OriginalRejected, TaskError } from '../../tasks/shared/errors.ts';
import { itemProcessor, stateMachine } from '../../workflows/asl/builder.ts';
import { lambdaTask } from '../../workflows/common.ts';
import { runWorkflow } from './asl-interpreter.ts';

const machine = { Comment: 'test', TimeoutSeconds: 60 };

/** Check → Caught (Catch OriginalRejected, error output at $.error) | Done. */
const checking = (resource?: string) =>
  stateMachine({
    ...machine,
    StartAt: 'Check',
    States: {
      Check: {
        ...lambdaTask('check', {
          Parameters: {},
          Catch: [{ ErrorEquals: ['OriginalRejected'], ResultPath: '$.error', Next: 'Caught' }],
        }),
        ...(resource && { Resource: resource }),
        Next: 'Done',
      },
      Caught: { Type: 'Succeed' },
      Done: { Type: 'Succeed' },
    },
  });

describe('runWorkflow', () => {
  it("matches a thrown error's name against ErrorEquals, with Lambda's JSON report as Cause", async () => {
    const run = await runWorkflow(checking(), {}, {
      executionName: 'e-1',
      handlers: { Check: async () => Promise.reject(new OriginalRejected('truncated JPEG')) },
    });

    expect(run.status).toBe('SUCCEEDED');
    const { Error: error, Cause: cause } = (run.output as { error: { Error: string; Cause: string } }).error;
    expect(error).toBe('OriginalRejected');
    expect(JSON.parse(cause)).toMatchObject({ errorType: 'OriginalRejected', errorMessage: 'truncated JPEG' });
  });

  it('keeps the plain message as Cause for a service integration', async () => {
    const run = await runWorkflow(checking('arn:aws:states:::aws-sdk:s3:getObject'), {}, {
      executionName: 'e-1',
      handlers: { Check: async () => Promise.reject(new OriginalRejected('truncated JPEG')) },
    });

    expect(run.output).toMatchObject({ error: { Error: 'OriginalRejected', Cause: 'truncated JPEG' } });
  });

  it('reports an uncaught error as the execution failure, with the events up to it', async () => {
    const run = await runWorkflow(checking(), { n: 1 }, {
      executionName: 'e-1',
      handlers: { Check: async () => Promise.reject(new TaskError('TaskInputInvalid', 'check: input rejected')) },
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'TaskInputInvalid' });
    expect(JSON.parse(run.cause!)).toMatchObject({ errorMessage: 'check: input rejected' });
    expect(run.events.map((event) => event.type)).toEqual(['ExecutionStarted', 'StateEntered', 'StateFailed', 'ExecutionFailed']);
    expect(run.events[2]).toMatchObject({ state: { name: 'Check' }, Error: 'TaskInputInvalid' });
  });

  it('fills the Context object with the execution and state machine names and ARNs', async () => {
    const definition = stateMachine({
      ...machine,
      StartAt: 'Context',
      States: {
        Context: {
          Type: 'Pass',
          Parameters: {
            'name.$': '$$.Execution.Name',
            'id.$': '$$.Execution.Id',
            'stateMachine.$': '$$.StateMachine.Name',
          },
          End: true,
        },
      },
    });
    const run = await runWorkflow(definition, {}, { handlers: {}, executionName: 'upload-42', stateMachineName: 'upload' });

    expect(run.output).toEqual({
      name: 'upload-42',
      id: 'arn:aws:states:us-east-1:000000000000:execution:upload:upload-42',
      stateMachine: 'upload',
    });
  });

  it('waits retryIntervalMs between retries instead of the policy, and logs the retries', async () => {
    const definition = stateMachine({
      ...machine,
      StartAt: 'Flaky',
      States: {
        Flaky: {
          ...lambdaTask('flaky', { Parameters: {} }),
          Retry: [{ ErrorEquals: ['StoreUnavailable'], IntervalSeconds: 10, BackoffRate: 1, MaxAttempts: 2, JitterStrategy: 'NONE' }],
          End: true,
        },
      },
    });
    let attempts = 0;
    const handlers = {
      Flaky: async () => {
        if (++attempts <= 2) throw new TaskError('StoreUnavailable', 'throttled');
        return { ok: true };
      },
    };
    const started = Date.now();
    const run = await runWorkflow(definition, {}, { executionName: 'e-1', retryIntervalMs: 0, handlers });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(attempts).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.events.filter((event) => event.type === 'StateRetried')).toHaveLength(2);
  });

  it('logs Map iterations, and binds the Task states inside them by name', async () => {
    const definition = stateMachine({
      ...machine,
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: itemProcessor({
            StartAt: 'Double',
            States: { Double: { ...lambdaTask('double', { Parameters: { 'n.$': '$.n' } }), End: true } },
          }),
          End: true,
        },
      },
    });
    const run = await runWorkflow(definition, [{ n: 1 }, { n: 2 }], {
      executionName: 'e-1',
      handlers: { Double: async (input) => 2 * (input as { n: number }).n },
    });

    expect(run.output).toEqual([2, 4]);
    const iterations = run.events.filter((event) => event.type === 'MapIterationSucceeded');
    expect(iterations.map((event) => event.index).sort()).toEqual([0, 1]);
  });

  it('refuses to run with a Task state left unbound, or a handler for no Task state', async () => {
    const run = (handlers: Record<string, () => Promise<unknown>>) => runWorkflow(checking(), {}, { handlers, executionName: 'e-1' });

    await expect(run({})).rejects.toThrow('no handler for Task state(s): Check');
    await expect(run({ Check: async () => ({}), Chekc: async () => ({}) })).rejects.toThrow('handler(s) for no Task state: Chekc');
  });
});
