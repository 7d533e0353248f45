import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  createTable(name: string, key?: string): Promise<void>;
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
  const createTable = async (name: string, key = 'id') => {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  };
  return {
    client,
    endpoint,
    createTable,
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
