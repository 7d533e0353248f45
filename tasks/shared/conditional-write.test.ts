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
  ['a 429, whatever its name', error(429, 'TooManyRequestsException')],
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

  it('leaves a ValidationException as it is: retrying would not help', async () => {
    const answer = error(400, 'ValidationException');
    await expect(put(answering(answer))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(get(answering(answer))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('is AccessDenied for a refused grant, naming the table and the action AWS names, and keeping the cause', async () => {
    // DynamoDB's answer to a missing grant (HTTP 400), as infra/local/iam-gate.ts gives it too.
    const denied = (action: string): Answer => ({
      status: 400,
      body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: `User: arn:aws:sts::1:assumed-role/imgedge-write-audit/x is not authorized to perform: ${action} on resource: arn:aws:dynamodb:us-east-1:1:table/audit because no identity-based policy allows the ${action} action` }),
    });
    const refused = await put(answering(denied('dynamodb:PutItem'))).catch((err: unknown) => err);
    expect(refused).toMatchObject({ name: 'AccessDenied', message: 'table audit: access denied to dynamodb:PutItem: the role lacks the grant' });
    expect((refused as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
    await expect(get(answering(denied('dynamodb:GetItem')))).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('table audit: access denied to dynamodb:GetItem') });
    // A refusal worded otherwise still names the table.
    await expect(get(answering(error(400, 'AccessDeniedException')))).rejects.toMatchObject({ name: 'AccessDenied', message: 'table audit: access denied: the role lacks the grant' });
  });

  it('is TableNotFound for a table DynamoDB does not have, naming it', async () => {
    const missing = error(400, 'ResourceNotFoundException');
    await expect(put(answering(missing))).rejects.toMatchObject({ name: 'TableNotFound', message: expect.stringMatching(/^table audit: no such table/) });
    await expect(get(answering(missing))).rejects.toMatchObject({ name: 'TableNotFound', cause: expect.objectContaining({ name: 'ResourceNotFoundException' }) });
  });

  it('leaves an error of our own as it is', async () => {
    const bug = new TypeError('not a DynamoDB failure');
    await expect(dynamoCall('audit', Promise.reject(bug))).rejects.toBe(bug);
  });

  it('is not retried when refused or missing: no Lambda task of any workflow retries AccessDenied or TableNotFound', async () => {
    const names = await Promise.all([error(400, 'AccessDeniedException'), error(400, 'ResourceNotFoundException')].map((answer) => get(answering(answer)).catch((err: Error) => err.name)));
    expect(names).toEqual(['AccessDenied', 'TableNotFound']);
    for (const workflow of WORKFLOWS) {
      for (const [state, definition] of allStates(workflow.definition)) {
        if (definition.Type !== 'Task' || !('lambda' in workflow.tasks[state]!)) continue;
        const retried = (definition.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
        for (const name of names) expect(retried, `${workflow.name} ${state}`).not.toContain(name);
      }
    }
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
