import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AccessDenied, CloudFrontClient, CloudFrontServiceException, GetInvalidationCommand, NoSuchDistribution, NoSuchInvalidation } from '@aws-sdk/client-cloudfront';
import { allStates } from '../../workflows/asl/builder.ts';
import { invalidationFlush } from '../../workflows/invalidation-flush.ts';
import { CloudFrontInvalidationStatus } from './invalidation-status.ts';

// This client only: the SDK's own parsing, below, uses a client of its own.
const client = new CloudFrontClient({ region: 'us-east-1' });
const cloudfront = mockClient(client);
beforeEach(() => cloudfront.reset());

const invalidations = () => new CloudFrontInvalidationStatus(client, 'EDIST');
/** What describe throws when GetInvalidation fails with `err`. */
async function failure(err: Error): Promise<Error> {
  cloudfront.on(GetInvalidationCommand).rejects(err);
  try {
    await invalidations().describe('I1');
  } catch (thrown) {
    return thrown as Error;
  }
  throw new Error('describe did not fail');
}
const serviceError = (name: string, status: number, fault: 'client' | 'server' = 'client') => new CloudFrontServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });

describe('CloudFrontInvalidationStatus', () => {
  it.each(['InProgress', 'Completed'] as const)('reports %s as CloudFront does, for the configured distribution', async (status) => {
    cloudfront.on(GetInvalidationCommand, { DistributionId: 'EDIST', Id: 'I1' }).resolves({ Invalidation: { Id: 'I1', Status: status, CreateTime: new Date(), InvalidationBatch: { CallerReference: 'inv-1', Paths: { Quantity: 1, Items: ['/demo/a.jpg*'] } } } });
    expect(await invalidations().describe('I1')).toEqual({ status, paths: ['/demo/a.jpg*'] });
  });

  it.each([
    // CloudFront's throttling is a code the SDK does not model: the service's generic exception, named after it.
    ['Throttling (400)', serviceError('Throttling', 400)],
    ['a 429', serviceError('TooManyRequestsException', 429)],
    ['a 500', serviceError('InternalError', 500, 'server')],
    ['a 503 with a page for a body', serviceError('Unknown', 503, 'server')],
    ['an attempt timed out', Object.assign(new Error('request timed out'), { name: 'TimeoutError' })],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s is StoreUnavailable, which the workflows retry, naming the distribution and keeping the cause', async (_, err) => {
    const thrown = await failure(err);
    expect(thrown).toMatchObject({ name: 'StoreUnavailable', message: 'distribution EDIST: CloudFront API unavailable' });
    expect(thrown.cause).toBe(err);
  });

  it('is AccessDenied for a refused grant, naming the distribution and the action', async () => {
    const refused = new AccessDenied({ $metadata: { httpStatusCode: 403 }, message: 'User: arn:aws:sts::1:assumed-role/imgedge-read-invalidation-queue/x is not authorized to perform: cloudfront:GetInvalidation on resource: arn:aws:cloudfront::1:distribution/EDIST' });
    const thrown = await failure(refused);
    expect(thrown).toMatchObject({ name: 'AccessDenied', message: 'distribution EDIST: access denied to cloudfront:GetInvalidation: the role lacks the grant' });
    expect(thrown.cause).toBe(refused);
  });

  it.each([
    ['NoSuchInvalidation', new NoSuchInvalidation({ $metadata: { httpStatusCode: 404 }, message: 'The specified invalidation does not exist.' }), /^distribution EDIST: CloudFront knows no invalidation I1, which the invalidation queue holds as submitted/],
    ['NoSuchDistribution', new NoSuchDistribution({ $metadata: { httpStatusCode: 404 }, message: 'The specified distribution does not exist.' }), /^distribution EDIST: no such distribution/],
  ])('%s is InvalidationNotFound, saying which', async (_, err, message) => {
    const thrown = await failure(err);
    expect(thrown).toMatchObject({ name: 'InvalidationNotFound', message: expect.stringMatching(message) });
    expect(thrown.cause).toBe(err);
  });

  it('leaves any other CloudFront error as it is', async () => {
    const invalid = serviceError('InvalidArgument', 400);
    expect(await failure(invalid)).toBe(invalid);
  });

  it('fails ReadQueue with a name it retries when throttled, and with names it does not when refused or unknown', async () => {
    const [, readQueue] = [...allStates(invalidationFlush.definition)].find(([state]) => state === 'ReadQueue')!;
    const retried = (readQueue.Type === 'Task' ? readQueue.Retry ?? [] : []).flatMap((retrier) => retrier.ErrorEquals);
    const names: string[] = [];
    for (const err of [serviceError('Throttling', 400), new AccessDenied({ $metadata: {}, message: 'no' }), new NoSuchInvalidation({ $metadata: {}, message: 'no' })]) names.push((await failure(err)).name);
    const [throttled, refused, unknown] = names;
    expect(retried).toContain(throttled);
    expect(retried).not.toContain(refused);
    expect(retried).not.toContain(unknown);
  });
});

/** The SDK itself reads CloudFront's XML error answer: the name the mapping matches is the one it gives. */
describe("CloudFront's own throttling answer", () => {
  it('is StoreUnavailable, as the SDK parses it', async () => {
    const body = '<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>';
    const requestHandler = {
      handle: async () => ({ response: { statusCode: 400, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body) } }),
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
      destroy() {},
    };
    const own = new CloudFrontClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler });
    const thrown = await new CloudFrontInvalidationStatus(own, 'EDIST').describe('I1').catch((err: unknown) => err as Error);
    expect(thrown).toMatchObject({ name: 'StoreUnavailable', cause: expect.objectContaining({ name: 'Throttling', $metadata: expect.objectContaining({ httpStatusCode: 400 }) }) });
  });
});
