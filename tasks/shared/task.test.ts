import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
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

  describe('reading an idempotency record the conditional put found (docs/aws-limits.md §L, "Idempotency errors")', () => {
    /** A task over a mocked idempotency table whose put finds a record: `existing` in the failed condition's answer, or read after it (as dynalite answers, with no record). */
    async function found(existing?: Record<string, AttributeValue>, config?: IdempotencyConfig) {
      const client = new DynamoDBClient({ region: 'us-east-1' });
      const idempotency = mockClient(client);
      const persistence = new DynamoDBPersistenceLayer({ tableName: 'idempotency-records', awsSdkV3Client: client });
      // A layer configured before the task keeps its own configuration (Powertools warns of the other).
      if (config) persistence.configure({ config, keyPrefix: 'double' });
      idempotency.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, ...(existing && { Item: existing }) }));
      const { task, calls } = countingTask();
      return { handler: task({ ...(await runtime()), persistence }), idempotency, calls };
    }
    const inSeconds = (s: number) => ({ N: String(Math.floor(Date.now() / 1000) + s) });

    it('is StoreUnavailable, naming the task and the table, when the read of the record is throttled (the SDK error came raw)', async () => {
      const { handler, idempotency, calls } = await found();
      idempotency.on(GetItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
      await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({ name: 'StoreUnavailable', message: 'double: reading its idempotency record: table idempotency-records unavailable' });
      expect(calls).toEqual([]);
    });

    it('is retried as a duplicate in progress when the record is gone by the time it is read', async () => {
      const { handler, idempotency, calls } = await found();
      idempotency.on(GetItemCommand).resolves({});
      await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({
        name: 'IdempotencyAlreadyInProgressError',
        message: expect.stringContaining('double: the idempotency record of n=1 changed while it was read'),
        cause: expect.objectContaining({ name: 'IdempotencyItemNotFoundError' }),
      });
      expect(calls).toEqual([]);
    });

    it('is retried as a duplicate in progress when the record keeps reading as expired (Powertools gave up after its own retries)', async () => {
      const { handler, idempotency, calls } = await found({ id: { S: 'double#x' }, status: { S: 'COMPLETED' }, expiration: inSeconds(-60) });
      await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({
        name: 'IdempotencyAlreadyInProgressError',
        cause: expect.objectContaining({ name: 'IdempotencyInconsistentStateError' }),
      });
      expect(idempotency.commandCalls(PutItemCommand)).toHaveLength(3);
      expect(calls).toEqual([]);
    });

    it('still fails a record in progress with IdempotencyAlreadyInProgressError, which the workflows retry by that name', async () => {
      const { handler, calls } = await found({ id: { S: 'double#x' }, status: { S: 'INPROGRESS' }, expiration: inSeconds(3600) });
      await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({ name: 'IdempotencyAlreadyInProgressError', message: expect.stringContaining('already an execution in progress') });
      expect(calls).toEqual([]);
    });

    it('fails clearly, naming the task and the key, when the record is of a different payload (a layer validating payloads)', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      onTestFinished(() => warn.mockRestore());
      const validating = new IdempotencyConfig({ eventKeyJmesPath: 'key', payloadValidationJmesPath: 'input', throwOnNoIdempotencyKey: true });
      const { handler, calls } = await found({ id: { S: 'double#x' }, status: { S: 'COMPLETED' }, expiration: inSeconds(3600), validation: { S: 'another payload' }, data: { M: { doubled: { N: '2' } } } }, validating);
      await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({
        name: 'IdempotencyValidationError',
        message: 'double: idempotency key n=1 is recorded for a different payload: the key must cover all the input the work depends on',
        cause: expect.objectContaining({ name: 'IdempotencyValidationError' }),
      });
      expect(calls).toEqual([]);
    });
  });

  it('fails with AccessDenied, naming the task, the table and the action, when the role may not write idempotency records', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    mockClient(client)
      .on(PutItemCommand)
      .rejects(new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'User: arn:aws:sts::1:assumed-role/imgedge-double/x is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:1:table/idempotency-records' }));
    const { task, calls } = countingTask();
    const handler = task({ ...(await runtime()), persistence: new DynamoDBPersistenceLayer({ tableName: 'idempotency-records', awsSdkV3Client: client }) });
    await expect(handler({ n: 1, executionName: 'e' })).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringMatching(/^double: .*table idempotency-records: access denied to dynamodb:PutItem/),
      cause: expect.objectContaining({ name: 'IdempotencyPersistenceLayerError' }),
    });
    expect(calls).toEqual([]);
  });

  it("leaves the work's own failure as it is, even one that looks like the table's", async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'not through dynamoCall', $metadata: {} });
    const { task } = countingTask(async () => {
      throw throttled;
    });
    await expect(task(await runtime())({ n: 3, executionName: 'e' })).rejects.toBe(throttled);
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
