import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { allStates } from '../../workflows/asl/builder.ts';
import { WORKFLOWS } from '../../workflows/index.ts';
import { dynamoCall, writeIf } from './conditional-write.ts';

type Answer = { status: number; body: string } | { fails: Error };

/** A client whose every request gets `answer`, parsed by the SDK as DynamoDB's own, with no retry of its own. */
function answering(answer: Answer): DynamoDBDocumentClient {
  const requestHandler = {
    handle: async () => {
      if ('fails' in answer) throw answer.fails;
      return { response: { statusCode: answer.status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(answer.body) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler }));
}

const error = (status: number, type: string): Answer => ({ status, body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: type }) });
const put = (dynamo: DynamoDBDocumentClient) => writeIf('audit', dynamo.send(new PutCommand({ TableName: 'audit', Item: { id: '1' }, ConditionExpression: 'attribute_not_exists(id)' })));
const get = (dynamo: DynamoDBDocumentClient) => dynamoCall('audit', dynamo.send(new GetCommand({ TableName: 'audit', Key: { id: '1' } })));

const UNAVAILABLE: [string, Answer][] = [
  ['ProvisionedThroughputExceededException', error(400, 'ProvisionedThroughputExceededException')],
  ['ThrottlingException', error(400, 'ThrottlingException')],
  ['RequestLimitExceeded', error(400, 'RequestLimitExceeded')],
  ['InternalServerError', error(500, 'InternalServerError')],
  ['ServiceUnavailable (503, no SDK class)', error(503, 'ServiceUnavailable')],
  ["a gateway's 502 page", { status: 502, body: '<html>Bad Gateway</html>' }],
  ['an attempt timed out', { fails: Object.assign(new Error('request timed out'), { name: 'TimeoutError' }) }],
  ['a connection reset', { fails: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }],
];

describe('DynamoDB failures as the workflows read them (docs/aws-limits.md §L)', () => {
  it.each(UNAVAILABLE)('%s is StoreUnavailable, for a write and a read, naming the table and keeping the cause', async (_, answer) => {
    const dynamo = answering(answer);
    for (const call of [put, get]) {
      const failure = await call(dynamo).catch((err: unknown) => err);
      expect(failure).toMatchObject({ name: 'StoreUnavailable', message: 'table audit unavailable' });
      expect((failure as Error).cause).toBeInstanceOf(Error);
    }
  });

  it('is a condition that did not hold, for a conditional write', async () => {
    expect(await put(answering(error(400, 'ConditionalCheckFailedException')))).toBe(false);
  });

  it.each([
    ['ValidationException', error(400, 'ValidationException')],
    ['AccessDeniedException', error(400, 'AccessDeniedException')],
  ])('leaves %s as it is: retrying would not help', async (name, answer) => {
    await expect(put(answering(answer))).rejects.toMatchObject({ name });
    await expect(get(answering(answer))).rejects.toMatchObject({ name });
  });

  it('leaves an error of our own as it is', async () => {
    const bug = new TypeError('not a DynamoDB failure');
    await expect(dynamoCall('audit', Promise.reject(bug))).rejects.toBe(bug);
  });

  it('is retried, by its name, by every Lambda task of every workflow', async () => {
    const name = await get(answering(error(400, 'ProvisionedThroughputExceededException'))).catch((err: Error) => err.name);
    for (const workflow of WORKFLOWS) {
      for (const [state, definition] of allStates(workflow.definition)) {
        if (definition.Type !== 'Task' || !('lambda' in workflow.tasks[state]!)) continue;
        expect((definition.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals), `${workflow.name} ${state}`).toContain(name);
      }
    }
  });
});
