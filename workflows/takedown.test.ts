import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { TaskError } from '../tasks/shared/errors.ts';
import { takedown } from './takedown.ts';
import { stubs, throws } from '../test/support/workflows.ts';

const request = { tenant: 'demo', key: 'demo/samples/cat.jpg', reason: 'DMCA #42', requestedBy: 'ops@example.com' };
const paths = ['/demo/samples/cat.jpg?fmt=webp&w=640', '/demo/samples/cat.jpg?fmt=avif&w=640'];

function steps(overrides: Parameters<typeof stubs>[0] = {}) {
  return stubs({
    PutDenyEntry: () => ({ slotKey: 's:0a1b', id: '0123456789ab', at: '2026-11-25T10:00:00Z' }),
    DeleteOriginals: () => ({ regions: { 'us-east-1': 'deleted', 'eu-west-1': 'deleted', 'ap-northeast-1': 'absent' } }),
    DeleteVariants: () => ({ deleted: 2, paths }),
    EnqueueInvalidation: () => ({ enqueued: 2, alreadyQueued: 0 }),
    WriteAudit: () => ({ takedownId: 'takedown-7', recordedAt: '2026-11-25T10:00:01Z' }),
    StartExpiry: () => ({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:expire-freshness:x', startDate: 'now' }),
    ...overrides,
  });
}

const run = (input: object, handlers: ReturnType<typeof stubs>['handlers']) =>
  runWorkflow(takedown.definition, input, { handlers, executionName: 'takedown-7', retryIntervalMs: 0 });

describe('takedown', () => {
  it('denies, deletes, invalidates and audits, in that order, under the execution name', async () => {
    const tasks = steps();
    const result = await run(request, tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['PutDenyEntry', 'DeleteOriginals', 'DeleteVariants', 'EnqueueInvalidation', 'WriteAudit', 'StartExpiry']);
    const common = { tenant: 'demo', key: request.key, executionName: 'takedown-7' };
    expect(tasks.inputOf('PutDenyEntry')).toEqual({ ...common, reason: 'DMCA #42', takedownId: 'takedown-7' });
    expect(tasks.inputOf('DeleteOriginals')).toEqual({ ...common, takedownId: 'takedown-7' });
    expect(tasks.inputOf('DeleteVariants')).toEqual({ ...common, requestId: 'takedown-7' });
    expect(tasks.inputOf('EnqueueInvalidation')).toEqual({ paths, requestId: 'takedown-7', executionName: 'takedown-7' });
    expect(tasks.inputOf('WriteAudit')).toEqual({
      ...common,
      takedownId: 'takedown-7',
      reason: 'DMCA #42',
      requestedBy: 'ops@example.com',
      deleted: 2,
      invalidationPaths: paths,
    });
    // Its deny entry expires, once, whatever replays the takedown: the expiry is named after the takedown id.
    expect(tasks.inputOf('StartExpiry')).toEqual({
      StateMachineArn: '${ExpireFreshnessStateMachineArn}',
      Name: `expire-${createHash('sha256').update('takedown:takedown-7').digest('hex')}`,
      Input: { tenant: 'demo', key: request.key, token: '!', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: expect.stringContaining(':takedown-7') },
    });
  });

  it('audits a takedown without requester with requestedBy null', async () => {
    const { requestedBy: _, ...anonymous } = request;
    const tasks = steps();
    const result = await run(anonymous, tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.inputOf('WriteAudit')).toMatchObject({ reason: 'DMCA #42', requestedBy: null });
  });

  it('stops failed at the step that failed, the deny entry already in place', async () => {
    const tasks = steps({ DeleteOriginals: throws(new TaskError('States.TaskFailed', 'AccessDenied on eu-west-1')) });
    const result = await run(request, tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(result.cause!)).toMatchObject({ errorMessage: 'AccessDenied on eu-west-1' });
    expect(tasks.called()).toEqual(['PutDenyEntry', 'DeleteOriginals']);
  });
});
