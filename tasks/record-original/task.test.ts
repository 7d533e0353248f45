import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, DynamoDBServiceException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { MAX_PUT_ORIGINAL_ATTEMPTS, REPLAY_WINDOW_SECONDS, type OriginalsTable } from './originals-table.ts';
import { createRecordOriginalTask } from './task.ts';

const local = useLocalDynamo();

/** validate-original's output for an upload of demo/cat.jpg. */
const upload = (etag: string, sequencer: string) => ({
  tenant: 'demo',
  path: 'cat.jpg',
  key: 'demo/cat.jpg',
  etag,
  sequencer,
  format: 'jpeg',
  width: 640,
  height: 427,
  bytes: 1234,
  renderExecutionName: `render-${etag}`,
  executionName: `upload-${etag}`,
});

describe('record-original on DynamoDB', () => {
  let table: OriginalsTable;
  beforeEach(async () => {
    table = { client: local.documents, name: await local.table('originals', 'key') };
  });

  /** A fresh idempotency table each time: the same as running past the records' expiry. */
  const record = async (input: ReturnType<typeof upload>) => createRecordOriginalTask({ originals: table })((await local.runtime()).runtime)(input);
  const item = async () => (await local.documents.send(new GetCommand({ TableName: table.name, Key: { key: 'demo/cat.jpg' } }))).Item;

  it('records a first upload as accepted, not replacing anything', async () => {
    expect(await record(upload('e1', '10'))).toEqual({ key: 'demo/cat.jpg', etag: 'e1', written: true, replaced: false });
    expect(await item()).toEqual({
      key: 'demo/cat.jpg',
      status: 'accepted',
      etag: 'e1',
      sequencer: '10'.padStart(64, '0'),
      recordedAt: expect.any(String),
      format: 'jpeg',
      width: 640,
      height: 427,
      bytes: 1234,
      replaced: false,
    });
  });

  it('reports a re-upload with another etag as replaced', async () => {
    await record(upload('e1', '10'));
    expect(await record(upload('e2', '2A'))).toEqual({ key: 'demo/cat.jpg', etag: 'e2', written: true, replaced: true });
    expect(await item()).toMatchObject({ etag: 'e2' });
  });

  it('compares sequencers as S3 says: left-padded, so 0F comes before 100', async () => {
    await record(upload('e1', '0F'));
    expect(await record(upload('e2', '100'))).toMatchObject({ replaced: true });
  });

  it('answers a replay of the recorded upload past its idempotency record as its first run did (a run that died after its write), writing nothing', async () => {
    await record(upload('e1', '10'));
    expect(await record(upload('e1', '10'))).toEqual({ key: 'demo/cat.jpg', etag: 'e1', written: true, replaced: false });
    await record(upload('e2', '2A'));
    const send = vi.spyOn(local.documents, 'send');
    expect(await record(upload('e2', '2A'))).toEqual({ key: 'demo/cat.jpg', etag: 'e2', written: true, replaced: true });
    expect(send.mock.calls.filter(([command]) => command instanceof PutCommand && command.input.TableName === table.name)).toHaveLength(0);
    send.mockRestore();
    expect(await item()).toMatchObject({ etag: 'e2', sequencer: '2A'.padStart(64, '0'), replaced: true });
  });

  it('takes a replay later than REPLAY_WINDOW_SECONDS after the write for nothing new: its expiry has run', async () => {
    const recordedAt = (ago: number) => new Date(Date.now() - ago * 1000).toISOString();
    const written = { key: 'demo/cat.jpg', status: 'accepted', etag: 'e1', sequencer: '10'.padStart(64, '0'), replaced: true };
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { ...written, recordedAt: recordedAt(REPLAY_WINDOW_SECONDS + 60) } }));
    expect(await record(upload('e1', '10'))).toMatchObject({ written: false, replaced: false });
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { ...written, recordedAt: recordedAt(REPLAY_WINDOW_SECONDS - 60) } }));
    expect(await record(upload('e1', '10'))).toMatchObject({ written: true, replaced: true });
  });

  it('replaces an item written before sequencers were recorded', async () => {
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { key: 'demo/cat.jpg', status: 'accepted', etag: 'e0', recordedAt: 'then' } }));
    expect(await record(upload('e1', '10'))).toMatchObject({ written: true, replaced: true });
    expect(await item()).toMatchObject({ etag: 'e1', sequencer: '10'.padStart(64, '0') });
  });

  it('does not bring back a taken-down upload on a replay of its own write', async () => {
    await record(upload('e1', '10'));
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { ...(await item()), status: 'taken-down' } }));
    expect(await record(upload('e1', '10'))).toMatchObject({ written: false, replaced: false });
  });

  it('never lets a late event of an earlier upload overwrite a later one', async () => {
    await record(upload('e2', '2A'));
    expect(await record(upload('e1', '10'))).toEqual({ key: 'demo/cat.jpg', etag: 'e1', written: false, replaced: false });
    expect(await item()).toMatchObject({ etag: 'e2', sequencer: '2A'.padStart(64, '0') });
  });

  it.each(['quarantined', 'taken-down'])('calls an upload after a %s one a replacement: an edge render may have stored its variants, a takedown its deny entry', async (status) => {
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { key: 'demo/cat.jpg', status, etag: 'bad', sequencer: '1'.padStart(64, '0') } }));
    expect(await record(upload('e1', '10'))).toMatchObject({ replaced: true });
    expect(await item()).toMatchObject({ status: 'accepted', etag: 'e1' });
  });

  it.each(['quarantined', 'taken-down'])('takes the same bytes uploaded again after a %s upload as a replacement: the image comes back', async (status) => {
    await local.documents.send(new PutCommand({ TableName: table.name, Item: { key: 'demo/cat.jpg', status, etag: 'e1', sequencer: '10'.padStart(64, '0') } }));
    expect(await record(upload('e1', '2A'))).toMatchObject({ written: true, replaced: true });
    expect(await item()).toMatchObject({ status: 'accepted', etag: 'e1', sequencer: '2A'.padStart(64, '0') });
  });

  it('has nothing new to do for the same bytes uploaded again over the accepted original: their variants stand', async () => {
    await record(upload('e1', '10'));
    expect(await record(upload('e1', '2A'))).toEqual({ key: 'demo/cat.jpg', etag: 'e1', written: false, replaced: false });
    expect(await item()).toMatchObject({ etag: 'e1', sequencer: '10'.padStart(64, '0') });
  });

  it('records A again after B (A, B, A within the idempotency window): the second A is new work, not a replay of the first', async () => {
    const handler = createRecordOriginalTask({ originals: table })((await local.runtime()).runtime);
    await handler(upload('a', '10'));
    await handler(upload('b', '2A'));
    expect(await handler({ ...upload('a', '3B'), executionName: 'upload-a-again' })).toEqual({ key: 'demo/cat.jpg', etag: 'a', written: true, replaced: true });
    expect(await item()).toMatchObject({ etag: 'a', sequencer: '3B'.padStart(64, '0') });
  });

  it('writes once for a duplicate event, a retry and a redrive, and returns the same output', async () => {
    await record(upload('e1', '10'));
    const handler = createRecordOriginalTask({ originals: table })((await local.runtime()).runtime);
    const send = vi.spyOn(local.documents, 'send');
    expect(await replay(handler, upload('e2', '2A'))).toEqual(Array(3).fill({ key: 'demo/cat.jpg', etag: 'e2', written: true, replaced: true }));
    expect(send.mock.calls.filter(([command]) => command instanceof PutCommand)).toHaveLength(1);
    send.mockRestore();
  });
});

describe('record-original: the DynamoDB calls', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const mocked = mockClient(client);
  afterEach(() => mocked.reset());
  const record = async () =>
    createRecordOriginalTask({ originals: { client, name: 'originals' } })((await local.runtime()).runtime)(upload('e2', '2A'));
  const previous = { key: 'demo/cat.jpg', status: 'accepted', etag: 'e1', sequencer: '10'.padStart(64, '0') };

  it('reads the item, then puts on condition that it is unchanged', async () => {
    mocked.on(GetCommand).resolves({ Item: previous });
    mocked.on(PutCommand).resolves({});
    expect(await record()).toMatchObject({ written: true, replaced: true });
    expect(mocked.commandCalls(GetCommand).map((call) => call.args[0].input)).toEqual([{ TableName: 'originals', Key: { key: 'demo/cat.jpg' }, ConsistentRead: true }]);
    expect(mocked.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'originals',
        Item: expect.objectContaining({ key: 'demo/cat.jpg', status: 'accepted', etag: 'e2', sequencer: '2A'.padStart(64, '0'), replaced: true }),
        ConditionExpression: '#etag = :etag AND #sequencer = :sequencer AND #status = :status',
        ExpressionAttributeNames: { '#etag': 'etag', '#sequencer': 'sequencer', '#status': 'status' },
        ExpressionAttributeValues: { ':etag': 'e1', ':sequencer': '10'.padStart(64, '0'), ':status': 'accepted' },
      },
    ]);
  });

  it('reads again when the item changed between its read and its put, and gives up to the retry after MAX_PUT_ORIGINAL_ATTEMPTS', async () => {
    mocked.on(GetCommand).resolves({ Item: previous });
    mocked.on(PutCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} })).resolves({});
    expect(await record()).toMatchObject({ written: true });
    expect(mocked.commandCalls(GetCommand)).toHaveLength(2);
    mocked.reset();
    mocked.on(GetCommand).resolves({ Item: previous });
    mocked.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(record()).rejects.toMatchObject({ name: 'StoreUnavailable' });
    expect(mocked.commandCalls(PutCommand)).toHaveLength(MAX_PUT_ORIGINAL_ATTEMPTS);
  });

  it('reads a broken connection or a throttle as a transient outage, and a ValidationException as our bug, not retried', async () => {
    mocked.on(GetCommand).resolves({});
    mocked.on(PutCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(record()).rejects.toMatchObject({ name: 'StoreUnavailable' });
    mocked.reset();
    mocked.on(GetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
    await expect(record()).rejects.toMatchObject({ name: 'StoreUnavailable' });
    mocked.reset();
    mocked.on(GetCommand).rejects(new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message: 'invalid key' }));
    await expect(record()).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
