import { describe, expect, it } from 'vitest';
import type { Execution } from '../executions.ts';
import { MAX_EXECUTION_HISTORIES } from './execution-status.ts';
import { evictedHistory, failure, nextStep, steps, subject } from './execution-view.ts';

const lambdaCause = (message: string) => JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: message, trace: ['at a (x.ts:1:1)'] });

describe('failure', () => {
  it('keeps only the errorMessage of a Lambda\'s JSON report, never its trace', () => {
    expect(failure({ error: 'Sandbox.Timedout', cause: lambdaCause('RecordOriginal: Task timed out') })).toBe('Sandbox.Timedout: RecordOriginal: Task timed out');
  });

  it('shows a Fail state\'s plain cause as it is', () => {
    expect(failure({ error: 'OriginalRejected', cause: 'unsupported image type' })).toBe('OriginalRejected: unsupported image type');
  });

  it('is empty for an execution that did not fail', () => {
    expect(failure({})).toBe('');
  });
});

describe('nextStep', () => {
  it('tells the person on call not to redrive a rejected upload, and to redrive anything else once fixed', () => {
    expect(nextStep({ status: 'FAILED', error: 'OriginalRejected', stateMachine: 'upload' })).toMatch(/upload it again \(a redrive rejects it again\)/);
    expect(nextStep({ status: 'FAILED', error: 'Sandbox.Timedout', stateMachine: 'takedown', failedState: 'DeleteVariants' })).toMatch(/^viewers already get 451.*redrive/);
    expect(nextStep({ status: 'SUCCEEDED', stateMachine: 'upload' })).toBe('');
  });

  it('says a takedown that failed before its deny entry was written blocks nothing yet', () => {
    for (const failedState of ['PutDenyEntry', 'RequestedBy?', undefined]) {
      expect(nextStep({ status: 'FAILED', error: 'StoreUnavailable', stateMachine: 'takedown', failedState }), String(failedState)).toMatch(/^NOT blocked yet.*still get the image/);
    }
    expect(nextStep({ status: 'SUCCEEDED', stateMachine: 'upload' })).toBe('');
  });
});

describe('subject', () => {
  it('reads the original from an S3 event (upload) or a workflow input (render, takedown)', () => {
    expect(subject({ input: { detail: { object: { key: 'demo/a.jpg' } } } })).toBe('demo/a.jpg');
    expect(subject({ input: { key: 'demo/b.jpg', tenant: 'demo' } })).toBe('demo/b.jpg');
    expect(subject({ input: { 'detail-type': 'Scheduled Event' } })).toBe('');
  });
});

describe('steps', () => {
  const at = (ms: number) => 1_000_000 + ms;
  const state = (name: string) => ({ name, type: 'Task' as const, input: {} });

  it('lists the top-level states in order with their outcome, time and retries, leaving out Map items', () => {
    const events = [
      { type: 'ExecutionStarted', timestamp: at(0), input: {} },
      { type: 'StateEntered', timestamp: at(0), state: state('ValidateOriginal') },
      { type: 'StateExited', timestamp: at(150), state: state('ValidateOriginal') },
      { type: 'StateEntered', timestamp: at(150), state: state('RecordOriginal') },
      { type: 'StateFailed', timestamp: at(170), state: state('RecordOriginal'), Error: 'Sandbox.Timedout', Cause: lambdaCause('first') },
      { type: 'StateRetried', timestamp: at(170), state: state('RecordOriginal'), retry: { retrier: {}, attempt: 1 } },
      { type: 'StateEntered', timestamp: at(175), state: state('RenderVariant'), index: 0 },
      { type: 'StateFailed', timestamp: at(200), state: state('RecordOriginal'), Error: 'Sandbox.Timedout', Cause: lambdaCause('second') },
    ] as unknown as Execution['events'];

    expect(steps(events)).toEqual([
      { state: 'ValidateOriginal', outcome: 'succeeded', ms: 150, retries: 0 },
      { state: 'RecordOriginal', outcome: 'failed', ms: 50, retries: 1, error: 'Sandbox.Timedout: second' },
    ]);
  });
});

describe('evictedHistory', () => {
  it('says why an execution past the kept histories shows no steps, and says nothing for one that has them', () => {
    expect(evictedHistory({ historyEvicted: true })).toBe(
      `steps not kept: only the ${MAX_EXECUTION_HISTORIES} most recently settled executions keep theirs; its status, input, output and error are above`,
    );
    expect(evictedHistory({})).toBeUndefined();
  });
});
