import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { DynamoDBClient, DynamoDBServiceException, PutItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import { defineTask, MetricUnit, type TaskRuntime } from './task.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

async function runtime(): Promise<TaskRuntime> {
  return {
    persistence: await dynamo.idempotency(),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'test' }),
  };
}

function countingTask(work: (n: number) => Promise<number> = async (n) => n * 2) {
  const calls: number[] = [];
  const task = defineTask({
    name: 'double',
    input: z.object({ n: z.number().int() }),
    idempotencyKey: (input) => `n=${input.n}`,
    run: async (input, { metrics }) => {
      calls.push(input.n);
      metrics.addMetric('Doubled', MetricUnit.Count, 1);
      return { doubled: await work(input.n) };
    },
  });
  return { task, calls };
}

describe('defineTask', () => {
  it('refuses a persistence layer another task already uses: they would share key prefixes', async () => {
    const shared = await runtime();
    countingTask().task(shared);
    const other = defineTask({ name: 'other', input: z.object({}), idempotencyKey: () => 'k', run: async () => 1 });
    expect(() => other(shared)).toThrow(/belongs to task double; give each task its own/);
  });

  it('runs the work once per idempotency key, whatever the execution name of the replay', async () => {
    const { task, calls } = countingTask();
    const handler = task(await runtime());
    const first = await handler({ n: 21, executionName: 'upload-1' });
    const replay = await handler({ n: 21, executionName: 'upload-1-redrive' });
    expect(first).toEqual({ doubled: 42 });
    expect(replay).toEqual(first);
    expect(calls).toEqual([21]);
  });

  it('runs again after a failure, so a Step Functions retry does the work', async () => {
    let failures = 1;
    const { task, calls } = countingTask(async (n) => {
      if (failures-- > 0) throw new Error('transient');
      return n * 2;
    });
    const handler = task(await runtime());
    await expect(handler({ n: 5, executionName: 'e' })).rejects.toThrow('transient');
    await expect(handler({ n: 5, executionName: 'e' })).resolves.toEqual({ doubled: 10 });
    expect(calls).toEqual([5, 5]);
  });

  it('fails with StoreUnavailable (retried) while the idempotency table is throttled, and as Powertools says on any other of its failures', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const idempotency = mockClient(client);
    const { task, calls } = countingTask();
    const handler = task({ ...(await runtime()), persistence: new DynamoDBPersistenceLayer({ tableName: 'idempotency', awsSdkV3Client: client }) });
    idempotency.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
    await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable', message: expect.stringContaining('double: ') });
    idempotency.on(PutItemCommand).rejects(new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message: 'invalid key' }));
    await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({ name: 'IdempotencyPersistenceLayerError' });
    expect(calls).toEqual([]);
  });

  it('refuses input that does not match the schema, naming the task', async () => {
    const { task, calls } = countingTask();
    const handler = task(await runtime());
    await expect(handler({ n: 'x', executionName: 'e' })).rejects.toMatchObject({
      name: 'TaskInputInvalid',
      message: expect.stringContaining('double: input rejected'),
    });
    await expect(handler({ n: 1 })).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(calls).toEqual([]);
  });

  it('publishes the metrics of every call, and the correlation id is the execution name', async () => {
    const { task } = countingTask();
    const rt = await runtime();
    const publish = vi.spyOn(rt.metrics!, 'publishStoredMetrics');
    const correlate = vi.spyOn(rt.logger!, 'setCorrelationId');
    const handler = task(rt);
    await handler({ n: 1, executionName: 'upload-abc' });
    expect(correlate).toHaveBeenCalledWith('upload-abc');
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
