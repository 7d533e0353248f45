import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { replay, useLocalDynamo } from '../../test/support/tasks.ts';
import { createWriteAuditTask } from './task.ts';

const local = useLocalDynamo();

const input = {
  takedownId: 'takedown-1',
  tenant: 'demo',
  key: 'demo/a.jpg',
  reason: 'dmca',
  deleted: 2,
  invalidationPaths: ['/demo/a.jpg?fmt=webp&q=75&w=640', '/demo/a.jpg?fmt=avif&q=75&w=640'],
};

async function setup() {
  const auditTable = await local.table('audit', 'takedownId');
  let clock = Date.UTC(2026, 0, 1);
  const task = createWriteAuditTask({ dynamo: local.documents, auditTable, now: () => new Date((clock += 1_000)) });
  const records = async () => (await local.documents.send(new ScanCommand({ TableName: auditTable }))).Items;
  return { task, records };
}

describe('write-audit', () => {
  it('writes one record per takedown, however often it is replayed', async () => {
    const { task, records } = await setup();
    const { runtime, metric } = await local.runtime();
    const results = await replay(task(runtime), { ...input, requestedBy: 'ops@example.com' });
    expect(results).toEqual(Array(3).fill({ takedownId: 'takedown-1', recordedAt: '2026-01-01T00:00:01.000Z' }));
    expect(await records()).toEqual([{ ...input, requestedBy: 'ops@example.com', recordedAt: '2026-01-01T00:00:01.000Z' }]);
    expect(metric('TakedownsCompleted')).toBe(1);
  });

  it('records a takedown nobody was named for, as the workflow passes it (requestedBy null)', async () => {
    const { task, records } = await setup();
    await task((await local.runtime()).runtime)({ ...input, requestedBy: null, executionName: 'e' });
    expect(await records()).toEqual([{ ...input, recordedAt: '2026-01-01T00:00:01.000Z' }]);
  });

  it("keeps the first run's record past the idempotency TTL, and does not count the takedown again", async () => {
    const { task, records } = await setup();
    await task((await local.runtime()).runtime)({ ...input, executionName: 'e' });
    const late = await local.runtime();
    expect(await task(late.runtime)({ ...input, reason: 'changed', executionName: 'redrive' })).toEqual({
      takedownId: 'takedown-1',
      recordedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(await records()).toEqual([{ ...input, recordedAt: '2026-01-01T00:00:01.000Z' }]);
    expect(late.metric('TakedownsCompleted')).toBe(0);
  });

  it('fails with StoreUnavailable (retried) while its table is throttled, on the write and on the read of a redrive', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const mocked = mockClient(dynamo);
    const handler = createWriteAuditTask({ dynamo, auditTable: 'audit' })((await local.runtime()).runtime);
    const throttled = new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
    mocked.on(PutCommand).rejects(throttled);
    await expect(handler({ ...input, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable', cause: throttled });
    mocked.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} })).on(GetCommand).rejects(throttled);
    await expect(handler({ ...input, executionName: 'redrive' })).rejects.toMatchObject({ name: 'StoreUnavailable', cause: throttled });
  });
});
