import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import dynalite from 'dynalite';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  waitUntilTableExists,
  type AttributeValue,
  type CreateTableCommandInput,
  type TimeToLiveSpecification,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { loopbackOnly } from './loopback-guard.ts';

/**
 * CreateTable's input, with the table's Time to Live as CDK declares it (`timeToLiveAttribute`;
 * the API sets it apart, with UpdateTimeToLive, which dynalite does not implement).
 */
export type LocalTableInput = CreateTableCommandInput & { TimeToLiveSpecification?: TimeToLiveSpecification };

export interface LocalDynamoOptions {
  /** The clock the TTL sweeper compares expiry times with (epoch milliseconds). */
  now?: () => number;
  /** How often the TTL sweeper runs (DynamoDB's deletes expired items typically within two days); 0: only when sweepExpired() is called. */
  ttlSweepIntervalMs?: number;
  /** dynalite's item size limit in KB (DynamoDB's: 400). dynalite counts a string's characters, not its UTF-8 bytes: see itemBytes. */
  maxItemSizeKb?: number;
  /**
   * `client` hands each request to dynalite in this thread, with neither a socket nor a SigV4
   * signature (dynalite checks only that one is there): about half the CPU per call, for tests
   * that make tens of thousands. `endpoint` still serves HTTP.
   */
  inProcessClient?: boolean;
  /** A directory to keep the tables in (dynalite's LevelDB store), so a restart finds them; in memory without one. */
  path?: string;
}

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** A table keyed by the string attribute `key`, ready when this resolves. */
  createTable(name: string, key?: string): Promise<void>;
  /** A table of any schema (a CDK table's, say), ready when this resolves; with a TimeToLiveSpecification, swept. */
  createTableFrom(input: LocalTableInput): Promise<void>;
  /** A fresh idempotency table with Powertools' persistence layer over it. */
  idempotency(tableName?: string): Promise<DynamoDBPersistenceLayer>;
  /** One TTL sweep now, as the timer runs it: deletes every expired item of every table with TTL enabled; resolves to how many. */
  sweepExpired(): Promise<number>;
  close(): Promise<void>;
}

/** Often enough that a local run sees expired items go; DynamoDB itself takes up to days. */
const DEFAULT_TTL_SWEEP_INTERVAL_MS = 60_000;

let tables = 0;

/** dynalite (an in-process DynamoDB) on 127.0.0.1, for the SDK only (./loopback-guard.ts): the local stack's tables and the tests' idempotency records. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, maxItemSizeKb: options.maxItemSizeKb, path: options.path });
  const serve = server.listeners('request')[0] as RequestListener;
  server.removeListener('request', serve).on('request', loopbackOnly(serve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...(options.inProcessClient ? inProcess(serve) : {}),
  });
  const sweeper = startTtlSweeper(client, options);
  // dynalite answers "not found" until a new table is ACTIVE. A kept one (options.path) is already there.
  const createTableFrom = async ({ TimeToLiveSpecification: ttl, ...input }: LocalTableInput) => {
    await client.send(new CreateTableCommand(input)).catch((error: unknown) => {
      if (!(options.path && error instanceof ResourceInUseException)) throw error;
    });
    await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: input.TableName });
    if (ttl?.Enabled && ttl.AttributeName) sweeper.add(input.TableName!, ttl.AttributeName, (input.KeySchema ?? []).map((k) => k.AttributeName!));
  };
  const createTable = (name: string, key = 'id') =>
    createTableFrom({
      TableName: name,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  return {
    client,
    endpoint,
    createTable,
    createTableFrom,
    async idempotency(tableName = `idempotency-${++tables}`) {
      await createTable(tableName);
      return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
    },
    sweepExpired: () => sweeper.sweep(),
    async close() {
      await sweeper.stop();
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

type Headers = Record<string, string>;

/** An SDK request handler that calls dynalite's request listener directly, and a signer that only says it signed. */
function inProcess(listener: RequestListener) {
  const requestHandler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle(request: { method: string; path?: string; headers: Headers; body?: string | Uint8Array }) {
      return new Promise<{ response: { statusCode: number; headers: Headers; body: Buffer } }>((resolve) => {
        const req = Object.assign(new EventEmitter(), {
          method: request.method,
          url: request.path || '/',
          headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
        });
        const headers: Headers = {};
        const res = {
          statusCode: 200,
          setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
          end: (body?: string) => resolve({ response: { statusCode: res.statusCode, headers, body: Buffer.from(body ?? '') } }),
        };
        listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        const body = request.body;
        // The SDK's body is a Uint8Array that warns when read as a string (Buffer.from(body) would): take its bytes.
        if (body?.length) req.emit('data', typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
        req.emit('end');
      });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const signer = {
    async sign<R extends { headers: Headers }>(request: R): Promise<R> {
      request.headers['x-amz-date'] = '20300101T000000Z';
      request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=local/20300101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
      return request;
    },
  };
  return { requestHandler, signer };
}

interface TtlTable {
  readonly attribute: string;
  readonly keys: readonly string[];
}

/**
 * What DynamoDB's TTL service does, for dynalite: finds the items whose TTL attribute is a
 * number of epoch seconds at or before now and deletes each, unless it changed meanwhile (the
 * delete is conditional on the item being expired still). Items without the attribute, or with
 * another type in it, are never deleted.
 */
function startTtlSweeper(client: DynamoDBClient, options: LocalDynamoOptions) {
  const now = options.now ?? Date.now;
  const ttlTables = new Map<string, TtlTable>();
  let running: Promise<number> | undefined;

  async function sweepTable(tableName: string, { attribute, keys }: TtlTable): Promise<number> {
    const expired = { ExpressionAttributeNames: { '#ttl': attribute }, ExpressionAttributeValues: { ':now': { N: String(Math.floor(now() / 1_000)) } } };
    // Only the keys come back: what a delete needs.
    const keyNames = Object.fromEntries(keys.map((k, i) => [`#k${i}`, k]));
    let deleted = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#ttl <= :now',
          ProjectionExpression: Object.keys(keyNames).join(', '),
          ExclusiveStartKey: start,
          ...expired,
          ExpressionAttributeNames: { ...expired.ExpressionAttributeNames, ...keyNames },
        }),
      );
      const results = await Promise.all(
        (page.Items ?? []).map((item) =>
          client
            .send(new DeleteItemCommand({ TableName: tableName, Key: Object.fromEntries(keys.map((k) => [k, item[k]!])), ConditionExpression: '#ttl <= :now', ...expired }))
            .then(
              () => 1,
              (error: unknown) => {
                if (error instanceof ConditionalCheckFailedException) return 0;
                throw error;
              },
            ),
        ),
      );
      deleted += results.reduce((sum: number, n) => sum + n, 0);
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  }

  async function sweepAll(): Promise<number> {
    let deleted = 0;
    for (const [tableName, table] of ttlTables) {
      try {
        deleted += await sweepTable(tableName, table);
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        ttlTables.delete(tableName); // the table is gone, and its TTL setting with it
      }
    }
    return deleted;
  }

  /** One sweep at a time: a call during a sweep waits for it, then sweeps again (it may have started before an expiry). */
  async function sweep(): Promise<number> {
    while (running) await running.catch(() => undefined);
    running = sweepAll().finally(() => (running = undefined));
    return running;
  }

  const interval = options.ttlSweepIntervalMs ?? DEFAULT_TTL_SWEEP_INTERVAL_MS;
  const timer =
    interval > 0
      ? setInterval(() => {
          // A background sweep that fails (dynalite closing) is retried by the next tick, as DynamoDB's own would be.
          if (!running && ttlTables.size > 0) sweep().catch(() => undefined);
        }, interval).unref()
      : undefined;

  return {
    add(tableName: string, attribute: string, keys: readonly string[]) {
      ttlTables.set(tableName, { attribute, keys });
    },
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

const utf8 = (text: string) => Buffer.byteLength(text);

/** The size of one attribute value as DynamoDB counts it (Developer Guide, "Item sizes and formats"). */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  // A list or a map: 3 bytes, and 1 byte per element besides the element itself.
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + utf8(name) + valueBytes(v), 0);
  throw new Error(`no size for attribute value ${JSON.stringify(value)}`);
}

/** A number: 1 byte per two significant digits, plus 1 (leading and trailing zeros do not count). */
function numberBytes(number: string): number {
  const digits = number.replace(/^-/, '').replace('.', '').replace(/e.*$/i, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/**
 * An item's size as DynamoDB counts it against its 400 KB limit: each attribute's name (UTF-8 bytes)
 * plus its value's size. Exact in UTF-8, unlike dynalite's own check, which counts characters.
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);
}
