/**
 * The local stack's DynamoDB deletes expired items as DynamoDB's Time to Live does (dynalite
 * alone never does): the sweeper infra/local/dynamodb-emulator.ts starts, on the tables created
 * with a TimeToLiveSpecification, the invalidation queue's among them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamodb-emulator.ts';
import { INVALIDATION_QUEUE_KEYS, InvalidationQueue, invalidationQueueTable } from '../../tasks/shared/invalidation-queue.ts';

const NOW = Date.UTC(2030, 0, 1);
const seconds = (ms: number) => Math.floor(ms / 1_000);

describe('the local TTL sweeper', () => {
  let clock = NOW;
  let dynamo: LocalDynamo;
  let documents: DynamoDBDocumentClient;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ now: () => clock, ttlSweepIntervalMs: 20 });
    documents = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo?.close());

  const keys = async (table: string, key = 'id') => ((await documents.send(new ScanCommand({ TableName: table }))).Items ?? []).map((item) => item[key] as string).sort();

  it('deletes, in the background, the items whose TTL attribute is a time at or before now, and no other', async () => {
    await dynamo.createTableFrom({
      TableName: 'expiring',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    const items = [
      { id: 'past', ttl: seconds(NOW) - 3_600 },
      { id: 'now', ttl: seconds(NOW) },
      { id: 'future', ttl: seconds(NOW) + 3_600 },
      { id: 'no-ttl' },
      { id: 'not-a-number', ttl: String(seconds(NOW) - 3_600) },
    ];
    await Promise.all(items.map((Item) => documents.send(new PutCommand({ TableName: 'expiring', Item }))));
    await vi.waitFor(async () => expect(await keys('expiring')).toEqual(['future', 'no-ttl', 'not-a-number']), { timeout: 10_000, interval: 20 });

    clock += 3_600_000;
    await vi.waitFor(async () => expect(await keys('expiring')).toEqual(['no-ttl', 'not-a-number']), { timeout: 10_000, interval: 20 });
  });

  it('leaves a table created without Time to Live alone', async () => {
    await dynamo.createTable('not-expiring');
    await documents.send(new PutCommand({ TableName: 'not-expiring', Item: { id: 'old', ttl: 1, expiresAt: 1, expiration: 1 } }));
    await dynamo.sweepExpired(); // one sweep after the put, whatever the timer did
    expect(await keys('not-expiring')).toEqual(['old']);
  });

  it("sweeps the invalidation queue's table by its TTL attribute, through every page of a large scan", async () => {
    await dynamo.createTableFrom(invalidationQueueTable('swept-queue'));
    const attribute = INVALIDATION_QUEUE_KEYS.timeToLive;
    // 400 items of 3 KB: a scan pages at 1 MB.
    const filler = 'x'.repeat(3_000);
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => documents.send(new PutCommand({ TableName: 'swept-queue', Item: { path: `/done/${i}`, status: 'done', enqueuedAt: 'x', filler, [attribute]: seconds(clock) - 1 } }))),
    );
    const queue = new InvalidationQueue(documents, 'swept-queue', () => new Date(clock));
    await queue.enqueue('/waiting', 'r1');
    await vi.waitFor(async () => expect(await keys('swept-queue', 'path')).toEqual(['/waiting']), { timeout: 20_000, interval: 50 });
    expect((await documents.send(new GetCommand({ TableName: 'swept-queue', Key: { path: '/waiting' } }))).Item).toMatchObject({ status: 'pending' });
  });

  it('counts what one sweep deleted, and leaves an expired item requested again before it came', async () => {
    const quiet = await startLocalDynamo({ now: () => clock, ttlSweepIntervalMs: 0 });
    try {
      const docs = DynamoDBDocumentClient.from(quiet.client);
      await quiet.createTableFrom(invalidationQueueTable('quiet-queue'));
      const expired = { status: 'done', version: 1, enqueuedAt: 'x', [INVALIDATION_QUEUE_KEYS.timeToLive]: seconds(clock) };
      await docs.send(new PutCommand({ TableName: 'quiet-queue', Item: { path: '/a', ...expired } }));
      await docs.send(new PutCommand({ TableName: 'quiet-queue', Item: { path: '/b', ...expired } }));
      // A request for /b arrives first: it waits again, without the TTL attribute.
      await new InvalidationQueue(docs, 'quiet-queue', () => new Date(clock)).enqueue('/b', 'r1');
      expect(await quiet.sweepExpired()).toBe(1);
      expect(await quiet.sweepExpired()).toBe(0);
      const left = ((await docs.send(new ScanCommand({ TableName: 'quiet-queue' }))).Items ?? []).map((item) => [item.path, item.status]);
      expect(left).toEqual([['/b', 'pending']]);
    } finally {
      await quiet.close();
    }
  });
});
