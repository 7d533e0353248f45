import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CopyObjectCommand, DeleteObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { putOriginal, type OriginalsTable } from '../record-original/originals-table.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createQuarantineOriginalTask } from './task.ts';

const local = useLocalDynamo();

const s3Error = (status: number) =>
  new S3ServiceException({ name: `S3 ${status}`, $fault: status < 500 ? 'client' : 'server', $metadata: { httpStatusCode: status }, message: `${status}` });

const pad = (sequencer: string) => sequencer.padStart(64, '0');

describe('quarantine-original', () => {
  const s3 = mockClient(S3Client);
  afterAll(() => s3.restore());
  let originals: OriginalsTable;
  beforeEach(async () => {
    s3.reset();
    originals = { client: local.documents, name: await local.table('originals', 'key') };
  });
  const key = 'demo/bad upload+1.jpg';
  const event = { bucket: 'uploads', key: 'demo/bad+upload%2B1.jpg', etag: 'e1', sequencer: '20', reason: 'image is truncated', executionName: 'upload-1' };

  const handler = async () =>
    createQuarantineOriginalTask({ s3: new S3Client({ region: 'us-east-1' }), uploadsBucket: 'uploads', quarantineBucket: 'quarantine', originals })(
      (await local.runtime()).runtime,
    );
  /** A fresh idempotency table each time: the same as running past the records' expiry. */
  const quarantine = async (input = event) => (await handler())(input);
  const item = async () => (await originals.client.send(new GetCommand({ TableName: originals.name, Key: { key } }))).Item;

  it('copies this upload to the quarantine bucket under the same key, records why, then deletes it', async () => {
    expect(await quarantine()).toEqual({ quarantinedKey: key, tenant: 'demo' });
    expect(s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'quarantine', Key: key, CopySource: 'uploads/demo/bad%20upload%2B1.jpg', CopySourceIfMatch: '"e1"' },
    ]);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'uploads', Key: key, IfMatch: '"e1"' }]);
    expect(s3.calls().map((call) => call.args[0].constructor.name)).toEqual(['CopyObjectCommand', 'DeleteObjectCommand']);
    expect(await item()).toEqual({ key, status: 'quarantined', etag: 'e1', sequencer: pad('20'), reason: 'image is truncated', recordedAt: expect.any(String), replaced: false });
  });

  it('finishes a replay whose original is already gone', async () => {
    s3.on(CopyObjectCommand).resolves({});
    await quarantine();
    s3.on(CopyObjectCommand).rejects(s3Error(404)).on(DeleteObjectCommand).rejects(s3Error(404));
    expect(await quarantine({ ...event, executionName: 'redrive' })).toEqual({ quarantinedKey: key, tenant: 'demo' });
    expect(await item()).toMatchObject({ status: 'quarantined', reason: 'image is truncated' });
  });

  it('leaves a later upload of the key alone: its object (412) and its record', async () => {
    await putOriginal(originals, { key, status: 'accepted', etag: 'e2', sequencer: pad('30'), recordedAt: 'now' });
    s3.on(CopyObjectCommand).rejects(s3Error(412)).on(DeleteObjectCommand).rejects(s3Error(412));
    // No tenant: the key's variants are the later upload's, not this one's to delete.
    expect(await quarantine()).toEqual({ quarantinedKey: key, tenant: null });
    expect(await item()).toMatchObject({ status: 'accepted', etag: 'e2' });
  });

  it('answers no tenant for a key that is no original key of one (nothing can have been rendered from it)', async () => {
    expect(await quarantine({ ...event, key: '..%2Fescape.jpg' })).toEqual({ quarantinedKey: '../escape.jpg', tenant: null });
  });

  it('fails as transient when S3 cannot answer', async () => {
    s3.on(CopyObjectCommand).rejects(s3Error(503));
    await expect(quarantine()).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });

  it('quarantines once for a duplicate event, a retry and a redrive, and returns the same output', async () => {
    expect(await replay(await handler(), event)).toEqual(Array(3).fill({ quarantinedKey: key, tenant: 'demo' }));
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });
});
