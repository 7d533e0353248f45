import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { TaskError } from '../tasks/shared/errors.ts';
import { invalidationFlush } from './invalidation-flush.ts';
import { type Call, eventsOfType, failingFirst, stubs, throws } from '../test/support/workflows.ts';

const queue = { pending: [{ path: '/demo/a.jpg?w=640', version: 1 }], claimed: [], inFlight: { paths: 0, wildcards: 0 } };
const batch = (n: number) => ({
  batchId: `inv-${n}`,
  paths: [`/demo/${n}.jpg*`],
  quantity: 1,
  items: [{ path: `/demo/${n}.jpg?w=640`, version: 1 }],
});
const plan = (batches: ReturnType<typeof batch>[]) => ({
  batches,
  deferred: 0,
  stats: { pending: batches.length, sent: batches.length, wildcards: batches.length, folded: 0 },
});
const created = (input: { InvalidationBatch: { CallerReference: string } }) => ({
  Location: 'https://cloudfront.amazonaws.com/…',
  Invalidation: { Id: `I-${input.InvalidationBatch.CallerReference}`, Status: 'InProgress' },
});

function flush(batches: ReturnType<typeof batch>[], overrides: Parameters<typeof stubs>[0] = {}) {
  return stubs({
    ReadQueue: () => queue,
    PlanInvalidations: () => plan(batches),
    ClaimBatch: () => ({ claimed: 1 }),
    CreateInvalidation: created,
    MarkSubmitted: () => ({ submitted: 1 }),
    ...overrides,
  });
}

const run = (handlers: ReturnType<typeof stubs>['handlers']) =>
  runWorkflow(invalidationFlush.definition, { source: 'aws.scheduler' }, { handlers, executionName: 'flush-1', retryIntervalMs: 0 });

describe('invalidation-flush', () => {
  it('ends after planning when there is nothing to send', async () => {
    const tasks = flush([]);
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ReadQueue', 'PlanInvalidations']);
    expect(tasks.inputOf('PlanInvalidations')).toEqual({ ...queue, executionName: 'flush-1' });
  });

  it('claims, creates and marks each batch in turn', async () => {
    const tasks = flush([batch(1), batch(2)]);
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(batchCalls(tasks.calls)).toEqual([
      'ClaimBatch inv-1',
      'CreateInvalidation inv-1',
      'MarkSubmitted inv-1',
      'ClaimBatch inv-2',
      'CreateInvalidation inv-2',
      'MarkSubmitted inv-2',
    ]);
    const { items } = batch(1);
    expect(tasks.inputOf('ClaimBatch')).toEqual({ batchId: 'inv-1', items, executionName: 'flush-1' });
    expect(tasks.inputOf('CreateInvalidation')).toEqual({
      DistributionId: '${DistributionId}',
      InvalidationBatch: { CallerReference: 'inv-1', Paths: { Quantity: 1, Items: ['/demo/1.jpg*'] } },
    });
    expect(tasks.inputOf('MarkSubmitted')).toEqual({ batchId: 'inv-1', invalidationId: 'I-inv-1', items, executionName: 'flush-1' });
  });

  it('leaves a batch claimed when CloudFront refuses it, and sends the others', async () => {
    const refused = new TaskError('CloudFront.AccessDeniedException', 'not authorized');
    const tasks = flush([batch(1), batch(2)], {
      CreateInvalidation: (input) => (input.InvalidationBatch.CallerReference === 'inv-1' ? throws(refused)() : created(input)),
    });
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(batchCalls(tasks.calls)).toEqual([
      'ClaimBatch inv-1',
      'CreateInvalidation inv-1',
      'ClaimBatch inv-2',
      'CreateInvalidation inv-2',
      'MarkSubmitted inv-2',
    ]);
    const leftClaimed = eventsOfType(result, 'StateExited').filter((event) => event.state.name === 'BatchLeftClaimed');
    expect(leftClaimed.map((event) => event.state.output)).toEqual([
      expect.objectContaining({ batchId: 'inv-1', error: { Error: 'CloudFront.AccessDeniedException', Cause: 'not authorized' } }),
    ]);
  });

  it('retries while too many invalidations are in progress, then marks the batch', async () => {
    const busy = new TaskError('CloudFront.TooManyInvalidationsInProgressException', 'too many');
    const tasks = flush([batch(1)], { CreateInvalidation: failingFirst([busy, busy], created) });
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(batchCalls(tasks.calls)).toEqual([
      'ClaimBatch inv-1',
      'CreateInvalidation inv-1',
      'CreateInvalidation inv-1',
      'CreateInvalidation inv-1',
      'MarkSubmitted inv-1',
    ]);
  });
});

/** The calls made for batches, as "<state> <batchId>". */
function batchCalls(calls: Call[]): string[] {
  return calls
    .filter((call) => !['ReadQueue', 'PlanInvalidations'].includes(call.state))
    .map((call) => `${call.state} ${call.input.batchId ?? call.input.InvalidationBatch.CallerReference}`);
}
