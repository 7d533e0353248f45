import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** A table keyed by the string attribute `key`, ready when this resolves. */
  createTable(name: string, key?: string): Promise<void>;
  /** A table of any schema (a CDK table's, say), ready when this resolves. */
  createTableFrom(input: CreateTableCommandInput): Promise<void>;
  /** A fresh idempotency table with Powertools' persistence layer over it. */
  idempotency(tableName?: string): Promise<DynamoDBPersistenceLayer>;
  close(): Promise<void>;
}

let tables = 0;

/** dynalite (an in-process DynamoDB) on 127.0.0.1: the local stack's tables and the tests' idempotency records. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // dynalite answers "not found" until a new table is ACTIVE.
  const createTableFrom = async (input: CreateTableCommandInput) => {
    await client.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: input.TableName });
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
    async close() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
