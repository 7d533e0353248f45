import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_REQUESTS, rawRequest } from '../../test/support/cross-site.ts';
import { startLocalDynamo, type LocalDynamo } from './dynamodb-emulator.ts';

const TABLE = 'items';

/** DeleteItem as it goes over the wire; dynalite checks only that a signature is there. */
const deleteItem = (id: string) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.DeleteItem',
    'x-amz-date': '20300101T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20300101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
  },
  body: JSON.stringify({ TableName: TABLE, Key: { id: { S: id } } }),
});

describe.each([false, true])('local DynamoDB (in-process client: %s): browsers are refused', (inProcessClient) => {
  let dynamo: LocalDynamo;
  const stored = async (id: string) => (await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } } }))).Item !== undefined;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ ttlSweepIntervalMs: 0, inProcessClient });
    await dynamo.createTable(TABLE);
    for (const id of ['kept', 'deleted']) await dynamo.client.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: id } } }));
  });
  afterAll(() => dynamo.close());

  it.each(BROWSER_REQUESTS)('refuses $name with 403, without CORS headers, and deletes nothing', async ({ method, headers }) => {
    const request = deleteItem('kept');
    const answer = await rawRequest(dynamo.endpoint, '/', { ...request, method: method ?? request.method, headers: { ...request.headers, ...headers } });
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(await stored('kept')).toBe(true);
  });

  it('serves the SDK, and the same DeleteItem from a client that is not a browser', async () => {
    const request = deleteItem('deleted');
    const answer = await rawRequest(dynamo.endpoint, '/', { ...request, headers: { ...request.headers, host: new URL(dynamo.endpoint).host } });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(await stored('deleted')).toBe(false);
    expect(await stored('kept')).toBe(true);
  });
});
