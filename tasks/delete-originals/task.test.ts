import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { byRegion, StoreUnavailable } from '../../core/index.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createDeleteOriginalsTask } from './task.ts';

const local = useLocalDynamo();

const KEY = 'demo/photos/a.jpg';
const input = { tenant: 'demo', key: KEY, takedownId: 'takedown-1' };
const original = { body: Buffer.from('jpeg'), contentType: 'image/jpeg', cacheControl: undefined };

async function setup(options: { replicatedTo: readonly string[]; recorded: boolean }) {
  const originals = byRegion((region) => new MemoryStore(`originals-${region}`));
  for (const [region, store] of Object.entries(originals)) {
    store.objects.set('demo/photos/other.jpg', original);
    if (options.replicatedTo.includes(region)) store.objects.set(KEY, original);
  }
  const originalsTable = await local.table('originals', 'key');
  if (options.recorded) {
    await local.documents.send(new PutCommand({ TableName: originalsTable, Item: { key: KEY, status: 'accepted', etag: 'e1' } }));
  }
  const { runtime } = await local.runtime();
  const handler = createDeleteOriginalsTask({ originals, dynamo: local.documents, originalsTable })(runtime);
  const item = async () => (await local.documents.send(new GetCommand({ TableName: originalsTable, Key: { key: KEY } }))).Item;
  return { originals, handler, item };
}

describe('delete-originals', () => {
  it('deletes the original in every region and marks its item taken down, once per takedown', async () => {
    const { originals, handler, item } = await setup({ replicatedTo: ['us-east-1', 'eu-west-1', 'ap-northeast-1'], recorded: true });
    const results = await replay(handler, input);
    expect(results).toEqual(Array(3).fill({ regions: { 'us-east-1': 'deleted', 'eu-west-1': 'deleted', 'ap-northeast-1': 'deleted' } }));
    for (const store of Object.values(originals)) {
      expect([...store.objects.keys()]).toEqual(['demo/photos/other.jpg']);
      expect(store.calls.filter((c) => c.startsWith('delete'))).toEqual([`delete ${KEY}`]);
    }
    expect(await item()).toEqual({ key: KEY, status: 'taken-down', etag: 'e1' });
  });

  it('reports regions the original had not reached yet as absent, and tolerates a missing item', async () => {
    const { handler, item } = await setup({ replicatedTo: ['us-east-1'], recorded: false });
    expect(await handler({ ...input, executionName: 'e' })).toEqual({
      regions: { 'us-east-1': 'deleted', 'eu-west-1': 'absent', 'ap-northeast-1': 'absent' },
    });
    expect(await item()).toBeUndefined();
  });

  it('fails with StoreUnavailable while a region is down, and a retry finishes the job', async () => {
    const { originals, handler } = await setup({ replicatedTo: ['us-east-1', 'eu-west-1', 'ap-northeast-1'], recorded: true });
    originals['eu-west-1'].fail = new StoreUnavailable('down');
    await expect(handler({ ...input, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
    originals['eu-west-1'].fail = undefined;
    expect(await handler({ ...input, executionName: 'e' })).toEqual({
      regions: { 'us-east-1': 'absent', 'eu-west-1': 'deleted', 'ap-northeast-1': 'absent' },
    });
  });

  it("refuses another tenant's key and deletes nothing", async () => {
    const { originals, handler } = await setup({ replicatedTo: ['us-east-1'], recorded: true });
    await expect(handler({ ...input, tenant: 'other', executionName: 'e' })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(originals['us-east-1'].calls).toEqual([]);
  });

  it('fails with StoreUnavailable (retried) while the originals table is throttled', async () => {
    const { originals } = await setup({ replicatedTo: ['us-east-1'], recorded: false });
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo).rejects(new ThrottlingException({ message: 'throttled', $metadata: {} }));
    const handler = createDeleteOriginalsTask({ originals, dynamo, originalsTable: 'originals' })((await local.runtime()).runtime);
    await expect(handler({ ...input, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable' });
  });
});
