/** Test helpers for the tasks: dynalite tables, a runtime with metric sums, replays. */
import { afterAll, beforeAll, vi } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import { InvalidationQueue, invalidationQueueTable } from '../../tasks/shared/invalidation-queue.ts';
import type { TaskHandler, TaskRuntime } from '../../tasks/shared/task.ts';
import { freshnessSeed } from '../../core/index.ts';

/** How S3 event notifications spell a key: form-encoded, `+` for a space, slashes kept. */
export const s3EventKey = (key: string): string => encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/');

export interface TestRuntime {
  runtime: TaskRuntime;
  /** The sum of every value added to the metric `name`. */
  metric(name: string): number;
}

export interface LocalTables {
  readonly documents: DynamoDBDocumentClient;
  /** A fresh table keyed by the string attribute `key`; returns its name. */
  table(prefix: string, key: string): Promise<string>;
  /** A runtime with its own idempotency table: a second one for the same task acts as "past the idempotency TTL". */
  runtime(): Promise<TestRuntime>;
  /** A fresh invalidation queue table. */
  queue(now?: () => Date): Promise<InvalidationQueue>;
}

let tables = 0;

/** A silent runtime whose idempotency records go to a fresh table of `dynamo` (a test's own dynalite, with its own clock). */
export async function quietRuntime(dynamo: LocalDynamo): Promise<TaskRuntime> {
  const tableName = `idempotency-${++tables}`;
  await dynamo.createTable(tableName);
  const logger = new Logger({ logLevel: 'SILENT' });
  return { persistence: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamo.client }), logger, metrics: new Metrics({ namespace: 'test', logger }) };
}

/** A KeyValueStore as a deployment seeds it: every freshness slot, empty. */
export const seededSlots = (): Map<string, string> => new Map(freshnessSeed());

/** dynalite for the calling test file: started before its tests, closed after them. */
export function useLocalDynamo(): LocalTables {
  let dynamo: LocalDynamo;
  let documents: DynamoDBDocumentClient;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    documents = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo.close());
  const fresh = async (prefix: string, create: (name: string) => Promise<void>): Promise<string> => {
    const name = `${prefix}-${++tables}`;
    await create(name);
    return name;
  };

  return {
    get documents() {
      return documents;
    },
    table: (prefix, key) => fresh(prefix, (name) => dynamo.createTable(name, key)),
    async runtime() {
      const logger = new Logger({ logLevel: 'SILENT' });
      const metrics = new Metrics({ namespace: 'test', serviceName: 'test', logger });
      const added = vi.spyOn(metrics, 'addMetric');
      const tableName = await fresh('idempotency', (name) => dynamo.createTable(name));
      return {
        runtime: { persistence: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamo.client }), logger, metrics },
        metric: (name) => added.mock.calls.filter(([metric]) => metric === name).reduce((sum, call) => sum + call[2], 0),
      };
    },
    async queue(now) {
      const name = await fresh('invalidation-queue', (table) => dynamo.createTableFrom(invalidationQueueTable(table)));
      return new InvalidationQueue(documents, name, now);
    },
  };
}

/** Runs the same input `times` times as different executions (a duplicate event, a retry, a redrive). */
export async function replay<O>(handler: TaskHandler<O>, input: object, times = 3): Promise<O[]> {
  const results: O[] = [];
  for (let i = 1; i <= times; i++) results.push(await handler({ ...input, executionName: `run-${i}` }));
  return results;
}
