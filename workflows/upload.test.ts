import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { OriginalRejected, TaskError } from '../tasks/shared/errors.ts';
import { stubs, throws } from '../test/support/workflows.ts';
import { NOT_VALIDATED_IN_TIME, upload } from './upload.ts';

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
    QuarantineOriginal: () => ({ quarantinedKey: original.key, tenant: 'demo' }),
    DeleteRejectedVariants: () => ({ deleted: 1, paths: oldPaths }),
    InvalidateRejectedVariants: () => ({ queued: 1 }),
    RecordOriginal: () => ({ key: original.key, etag: original.etag, written: true, replaced }),
    DeleteOldVariants: () => ({ deleted: 1, paths: oldPaths }),
    AdvanceGeneration: () => ({ slotKey: 's:0a1b', id: '0123456789ab', token: 'k3j2x9m4', written: true }),
    StartRender: () => ({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:render:x', startDate: 'now' }),
    StartReplacementRender: () => ({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:render:x', startDate: 'now' }),
    StartExpiry: () => ({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:expire-freshness:x', startDate: 'now' }),
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
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'AdvanceGeneration', 'DeleteOldVariants', 'StartReplacementRender', 'StartExpiry']);
    const requestId = 'replace:demo/samples/cat photo.jpg@etag-2@0055AED6DCD90281E5';
    expect(tasks.inputOf('AdvanceGeneration')).toEqual({ tenant: 'demo', key: original.key, etag: 'etag-2', sequencer: original.sequencer, executionName: 'upload-1' });
    expect(tasks.inputOf('DeleteOldVariants')).toEqual({ tenant: 'demo', key: original.key, keep: 'k3j2x9m4', requestId, executionName: 'upload-1' });
    expect((tasks.inputOf('StartReplacementRender') as { Input: object }).Input).toMatchObject({ etag: 'etag-2', generation: 'k3j2x9m4' });
    // The generation's entry expires once per upload (key@etag@sequencer), whatever replays the event.
    expect(tasks.inputOf('StartExpiry')).toEqual({
      StateMachineArn: '${ExpireFreshnessStateMachineArn}',
      Name: `expire-${createHash('sha256').update(`${original.key}@etag-2@${original.sequencer}`).digest('hex')}`,
      Input: { tenant: 'demo', key: original.key, token: 'k3j2x9m4', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: expect.stringContaining(':upload-1') },
    });
    expect(result.output).toMatchObject({ recorded: { replaced: true }, oldVariants: { paths: oldPaths }, generation: { token: 'k3j2x9m4' } });
  });

  it('stops after AdvanceGeneration when a later upload was recorded since: it deletes and renders nothing', async () => {
    const tasks = pipeline({ AdvanceGeneration: () => ({ slotKey: 's:0a1b', id: '0123456789ab', token: 'k3j2x9m4', written: false }) }, true);
    const result = await run(tasks.handlers);
    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'AdvanceGeneration']);
  });

  it('starts the render before the expiry: a start that fails leaves the render going and the upload redrivable at StartExpiry', async () => {
    const throttled = new TaskError('StepFunctions.ExecutionLimitExceededException', 'Rate exceeded');
    const tasks = pipeline({ StartExpiry: throws(throttled) }, true);
    const result = await run(tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'StepFunctions.ExecutionLimitExceededException', failedState: 'StartExpiry' });
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal', 'AdvanceGeneration', 'DeleteOldVariants', 'StartReplacementRender', 'StartExpiry']);
  });

  it('ends with nothing new to do when record-original wrote nothing (a late event, or the same bytes again): no generation, no render', async () => {
    const tasks = pipeline({ RecordOriginal: () => ({ key: original.key, etag: original.etag, written: false, replaced: false }) });
    const result = await run(tasks.handlers);
    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['ValidateOriginal', 'RecordOriginal']);
  });

  it('quarantines a rejected upload and fails with the reason as cause', async () => {
    const reason = 'not an image we decode: sniffed text/html';
    const tasks = pipeline({ ValidateOriginal: throws(new OriginalRejected(reason)) });
    const result = await run(tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', cause: reason });
    expect(tasks.called()).toEqual(['ValidateOriginal', 'QuarantineOriginal', 'DeleteRejectedVariants', 'InvalidateRejectedVariants']);
    expect(tasks.inputOf('QuarantineOriginal')).toEqual({
      bucket: 'originals-us-east-1',
      key: 'demo/samples/cat+photo.jpg',
      etag: 'etag-2',
      sequencer: '0055AED6DCD90281E5',
      reason,
      executionName: 'upload-1',
    });
  });

  it('deletes the variants the edge rendered from a rejected upload, and queues their invalidation, under one request id', async () => {
    const tasks = pipeline({ ValidateOriginal: throws(new OriginalRejected('image is truncated')) });
    await run(tasks.handlers);
    const requestId = 'quarantine:demo/samples/cat photo.jpg@etag-2@0055AED6DCD90281E5';
    expect(tasks.inputOf('DeleteRejectedVariants')).toEqual({ tenant: 'demo', key: original.key, requestId, executionName: 'upload-1' });
    expect(tasks.inputOf('InvalidateRejectedVariants')).toEqual({ paths: oldPaths, requestId, executionName: 'upload-1' });
  });

  it('deletes no variants for a rejected key that is no original key of a tenant', async () => {
    const tasks = pipeline({ ValidateOriginal: throws(new OriginalRejected('bad key')), QuarantineOriginal: () => ({ quarantinedKey: '../x.jpg', tenant: null }) });
    const result = await run(tasks.handlers);
    expect(result).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', cause: 'bad key' });
    expect(tasks.called()).toEqual(['ValidateOriginal', 'QuarantineOriginal']);
  });

  it.each(['RenderTimedOut', 'Sandbox.Timedout'])(
    'quarantines an upload whose validation fails with %s on every attempt, as "%s" could not be validated in time',
    async (error) => {
      const tasks = pipeline({ ValidateOriginal: throws(new TaskError(error, 'took too long')) });
      const result = await run(tasks.handlers);
      expect(result).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', cause: NOT_VALIDATED_IN_TIME });
      expect(tasks.called().filter((state) => state === 'ValidateOriginal')).toHaveLength(5); // retried first: a busy machine is slow too
      expect(tasks.inputOf('QuarantineOriginal')).toMatchObject({ reason: NOT_VALIDATED_IN_TIME });
      expect(tasks.called().slice(-3)).toEqual(['QuarantineOriginal', 'DeleteRejectedVariants', 'InvalidateRejectedVariants']);
    },
  );

  it('does not quarantine an upload whose validation could not reach the store: that is an outage, redrivable', async () => {
    const tasks = pipeline({ ValidateOriginal: throws(new TaskError('StoreUnavailable', 'bucket unavailable')) });
    const result = await run(tasks.handlers);
    expect(result).toMatchObject({ status: 'FAILED', error: 'StoreUnavailable' });
    expect(tasks.called()).not.toContain('QuarantineOriginal');
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

  describe('refuses in its first state, with the reason, any event that is not an S3 Object Created', () => {
    const object = { key: 'demo/samples/cat.jpg', size: 48_213, etag: 'etag-2', 'version-id': 'v1', sequencer: '0055AED6DCD90281E5' };
    const s3Event = (detailType: string, detail: object, source = 'aws.s3') => ({ version: '0', source, 'detail-type': detailType, detail: { version: '0', bucket: { name: 'originals-us-east-1' }, ...detail } });
    const statesEntered = (run: Awaited<ReturnType<typeof runWorkflow>>) =>
      run.events.flatMap((event) => (event.type === 'StateEntered' && 'state' in event ? [event.state.name] : []));

    it.each([
      ['a restore', s3Event('Object Restore Completed', { object, 'restore-expiry-time': '2026-12-10T00:00:00Z', 'source-storage-class': 'GLACIER' }), 'not Object Restore Completed from aws.s3'],
      ['a lifecycle expiration', s3Event('Object Deleted', { object: { key: object.key, sequencer: object.sequencer }, reason: 'Lifecycle Expiration', 'deletion-type': 'Permanently Deleted' }), 'not Object Deleted from aws.s3'],
      ['a delete', s3Event('Object Deleted', { object: { key: object.key, sequencer: object.sequencer }, reason: 'DeleteObject', 'deletion-type': 'Delete Marker Created' }), 'not Object Deleted from aws.s3'],
      ['a CloudTrail call', s3Event('AWS API Call via CloudTrail', { eventName: 'PutObject' }), 'not AWS API Call via CloudTrail from aws.s3'],
      ['an Object Created from a foreign source', s3Event('Object Created', { object, reason: 'PutObject' }, 'my.app'), 'not Object Created from my.app'],
    ])('%s, naming its kind', async (_, input, reason) => {
      const tasks = pipeline();
      const result = await runWorkflow(upload.definition, input, { handlers: tasks.handlers, executionName: 'upload-1', stateMachineName: 'upload' });

      expect(result).toMatchObject({ status: 'FAILED', error: 'NotAnUpload', cause: `upload takes only S3 Object Created events (source aws.s3), ${reason}` });
      expect(statesEntered(result)).toEqual(['ObjectCreated?', 'ReadEventKind', 'NotAnUpload']);
      expect(tasks.called()).toEqual([]);
    });

    it.each([
      ['no fields at all', {}],
      ['a detail-type that is not a string', { ...event, 'detail-type': ['Object Created'] }],
      ['no etag', { ...event, detail: { ...event.detail, object: { key: object.key, sequencer: object.sequencer } } }],
      ['a key that is not a string', { ...event, detail: { ...event.detail, object: { ...event.detail.object, key: 42 } } }],
      ['no bucket', { ...event, detail: { object: event.detail.object } }],
    ])('an Object Created with %s, as malformed', async (_, input) => {
      const tasks = pipeline();
      const result = await runWorkflow(upload.definition, input, { handlers: tasks.handlers, executionName: 'upload-1', stateMachineName: 'upload' });

      expect(result).toMatchObject({ status: 'FAILED', error: 'NotAnUpload', failedState: 'MalformedEvent' });
      expect(result.cause).toMatch(/^upload takes an S3 Object Created event: source, detail-type, detail\.bucket\.name and detail\.object\.key, etag and sequencer/);
      expect(statesEntered(result)).toEqual(['ObjectCreated?', 'MalformedEvent']);
      expect(tasks.called()).toEqual([]);
    });
  });
});
