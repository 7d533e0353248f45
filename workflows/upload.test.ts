import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { OriginalRejected, TaskError } from '../tasks/shared/errors.ts';
import { stubs, throws } from '../test/support/workflows.ts';
import { upload } from './upload.ts';

const event = {
  'detail-type': 'Object Created',
  source: 'aws.s3',
  detail: {
    bucket: { name: 'originals-us-east-1' },
    object: { key: 'demo/samples/cat+photo.jpg', etag: 'etag-2', size: 48_213, sequencer: '0055AED6DCD90281E5' },
  },
};
const original = {
  tenant: 'demo',
  path: 'samples/cat photo',
  key: 'demo/samples/cat photo.jpg',
  etag: 'etag-2',
  format: 'jpeg',
  width: 1200,
  height: 800,
  bytes: 48_213,
  sequencer: '0055AED6DCD90281E5',
  renderExecutionName: 'render-0123456789abcdef0123456789abcdef',
};
const oldPaths = ['/demo/samples/cat%20photo.jpg?fmt=webp&w=640'];

function pipeline(overrides: Parameters<typeof stubs>[0] = {}, replaced = false) {
  return stubs({
    ValidateOriginal: () => original,
    QuarantineOriginal: () => ({ quarantinedKey: original.key }),
    RecordOriginal: () => ({ key: original.key, etag: original.etag, replaced }),
    DeleteOldVariants: () => ({ deleted: 1, paths: oldPaths }),
    AdvanceGeneration: () => ({ slotKey: 's:0a1b', id: '0123456789ab', token: 'k3j2x9m4', written: true }),
    StartRender: () => ({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:render:x', startDate: 'now' }),
    ...overrides,
  });
}

const run = (handlers: ReturnType<typeof stubs>['handlers']) =>
  runWorkflow(upload.definition, event, { handlers, executionName: 'upload-1', stateMachineName: 'upload', retryIntervalMs: 0 });

describe('upload', () => {
  it('validates the uploaded object, records the original and starts its render', async () => {
    const tasks = pipeline();
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'StartRender']);
    expect(tasks.inputOf('ValidateOriginal')).toEqual({
      bucket: 'originals-us-east-1',
      key: 'demo/samples/cat+photo.jpg',
      etag: 'etag-2',
      sequencer: '0055AED6DCD90281E5',
      executionName: 'upload-1',
    });
    expect(tasks.inputOf('RecordOriginal')).toEqual({ ...original, executionName: 'upload-1' });
    expect(tasks.inputOf('StartRender')).toEqual({
      StateMachineArn: '${RenderStateMachineArn}',
      Name: original.renderExecutionName,
      Input: {
        tenant: 'demo',
        path: 'samples/cat photo',
        key: 'demo/samples/cat photo.jpg',
        etag: 'etag-2',
        generation: null,
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: 'arn:aws:states:us-east-1:000000000000:execution:upload:upload-1',
      },
    });
  });

  it('on a re-upload moves the generation, then deletes every variant but the new generation\'s, then starts its render under that generation', async () => {
    const tasks = pipeline({}, true);
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'AdvanceGeneration', 'DeleteOldVariants', 'StartRender']);
    const requestId = 'replace:demo/samples/cat photo.jpg@etag-2';
    expect(tasks.inputOf('AdvanceGeneration')).toEqual({ tenant: 'demo', key: original.key, etag: 'etag-2', sequencer: original.sequencer, executionName: 'upload-1' });
    expect(tasks.inputOf('DeleteOldVariants')).toEqual({ tenant: 'demo', key: original.key, keep: 'k3j2x9m4', requestId, executionName: 'upload-1' });
    expect((tasks.inputOf('StartRender') as { Input: object }).Input).toMatchObject({ etag: 'etag-2', generation: 'k3j2x9m4' });
    expect(result.output).toMatchObject({ recorded: { replaced: true }, oldVariants: { paths: oldPaths }, generation: { token: 'k3j2x9m4' } });
  });

  it('stops after AdvanceGeneration when a later upload was recorded since: it deletes and renders nothing', async () => {
    const tasks = pipeline({ AdvanceGeneration: () => ({ slotKey: 's:0a1b', id: '0123456789ab', token: 'k3j2x9m4', written: false }) }, true);
    const result = await run(tasks.handlers);
    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'AdvanceGeneration']);
  });

  it('quarantines a rejected upload and fails with the reason as cause', async () => {
    const reason = 'not an image we decode: sniffed text/html';
    const tasks = pipeline({ ValidateOriginal: throws(new OriginalRejected(reason)) });
    const result = await run(tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', cause: reason });
    expect(tasks.called()).toEqual(['ValidateOriginal', 'QuarantineOriginal']);
    expect(tasks.inputOf('QuarantineOriginal')).toEqual({
      bucket: 'originals-us-east-1',
      key: 'demo/samples/cat+photo.jpg',
      etag: 'etag-2',
      sequencer: '0055AED6DCD90281E5',
      reason,
      executionName: 'upload-1',
    });
  });

  it('succeeds when the render of this upload already exists', async () => {
    const alreadyStarted = new TaskError('StepFunctions.ExecutionAlreadyExistsException', 'Execution Already Exists');
    const tasks = pipeline({ StartRender: throws(alreadyStarted) });
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'StartRender']);
  });

  it('does not retry a permanent error', async () => {
    const tasks = pipeline({ RecordOriginal: throws(new TaskError('TaskInputInvalid', 'record-original: input rejected')) });
    const result = await run(tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TaskInputInvalid' });
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal']);
  });
});
