import { CloudFrontClient, GetInvalidationCommand, NoSuchDistribution, NoSuchInvalidation } from '@aws-sdk/client-cloudfront';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CloudFrontApiError, createLocalInvalidations, invalidationsApi } from './invalidations.ts';

function setup(completeAfterMs = 60_000) {
  let clock = 1_000_000;
  const applied: string[][] = [];
  const api = createLocalInvalidations({
    distributionId: 'LOCAL',
    apply: (paths) => applied.push([...paths]),
    completeAfterMs: () => completeAfterMs,
    now: () => clock,
  });
  return { api, applied, advance: (ms: number) => (clock += ms) };
}

const batch = (ref: string, items: string[]) => ({ CallerReference: ref, Paths: { Quantity: items.length, Items: items } });

describe('local CloudFront invalidations', () => {
  it('returns the same invalidation when a batch is resent with its CallerReference, and applies it once', () => {
    const { api, applied } = setup();
    const first = api.create('LOCAL', batch('inv-1', ['/demo/a.jpg*']));
    const again = api.create('LOCAL', batch('inv-1', ['/demo/a.jpg*']));
    expect(again.Invalidation.Id).toBe(first.Invalidation.Id);
    expect(applied).toEqual([['/demo/a.jpg*']]);
    expect(api.stats()).toMatchObject({ submitted: 1, resends: 1, pathsSubmitted: 1, wildcardsSubmitted: 1 });
  });

  it('refuses a CallerReference reused for other paths, as CloudFront does', () => {
    const { api } = setup();
    api.create('LOCAL', batch('inv-1', ['/demo/a.jpg*']));
    expect(() => api.create('LOCAL', batch('inv-1', ['/demo/b.jpg*']))).toThrow(expect.objectContaining({ name: 'CloudFront.InvalidationBatchAlreadyExistsException' }));
  });

  it('enforces the in-progress quotas: 15 wildcards, 3,000 paths, freed when invalidations complete', () => {
    const { api, advance } = setup(60_000);
    for (let i = 0; i < 15; i++) api.create('LOCAL', batch(`w${i}`, [`/demo/${i}.jpg*`]));
    expect(() => api.create('LOCAL', batch('w15', ['/demo/15.jpg*']))).toThrow(expect.objectContaining({ name: 'CloudFront.TooManyInvalidationsInProgressException' }));
    const exact = Array.from({ length: 3_000 }, (_, i) => `/demo/x.jpg?w=${i}`);
    api.create('LOCAL', batch('paths', exact));
    expect(() => api.create('LOCAL', batch('one-more', ['/demo/y.jpg?w=1']))).toThrow(expect.objectContaining({ name: 'CloudFront.TooManyInvalidationsInProgressException' }));
    advance(60_000);
    expect(api.stats().inFlight).toEqual({ paths: 0, wildcards: 0 });
    expect(api.get('LOCAL', api.records[0]!.id)).toMatchObject({ Status: 'Completed', InvalidationBatch: { Paths: { Items: api.records[0]!.paths } } });
    expect(() => api.create('LOCAL', batch('w15', ['/demo/15.jpg*']))).not.toThrow();
  });

  it('refuses malformed paths and a wrong distribution', () => {
    const { api } = setup();
    expect(() => api.create('LOCAL', batch('a', ['demo/a.jpg']))).toThrow(expect.objectContaining({ name: 'CloudFront.InvalidArgumentException' }));
    expect(() => api.create('LOCAL', batch('b', ['/demo/*/a.jpg']))).toThrow(expect.objectContaining({ name: 'CloudFront.InvalidArgumentException' }));
    expect(() => api.create('LOCAL', { CallerReference: 'c', Paths: { Quantity: 2, Items: ['/a'] } })).toThrow(expect.objectContaining({ name: 'CloudFront.InvalidArgumentException' }));
    expect(() => api.create('OTHER', batch('d', ['/a']))).toThrow(expect.objectContaining({ name: 'CloudFront.NoSuchDistributionException' }));
  });
});

describe('the local GetInvalidation API', () => {
  /** The SDK's client with the local API on the other end of its wire (the handler answers in process). */
  function client(api: ReturnType<typeof invalidationsApi>) {
    return new CloudFrontClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'read-invalidation-queue', secretAccessKey: 'local' },
      requestHandler: {
        async handle(request: { method: string; path: string }) {
          const answer = api({ method: request.method, url: request.path });
          return { response: { statusCode: answer.status, reason: '', headers: answer.headers, body: Readable.from([Buffer.from(answer.body)]) } };
        },
      } as never,
    });
  }

  it("answers the distribution's invalidation, and NoSuchDistribution (404) for another distribution's id", async () => {
    const { api } = setup();
    const { Invalidation } = api.create('LOCAL', batch('inv-1', ['/demo/a.jpg*']));
    const cloudfront = client(invalidationsApi(api));
    expect((await cloudfront.send(new GetInvalidationCommand({ DistributionId: 'LOCAL', Id: Invalidation.Id }))).Invalidation).toMatchObject({ Id: Invalidation.Id, Status: 'InProgress' });
    const wrongDistribution = await cloudfront.send(new GetInvalidationCommand({ DistributionId: 'OTHER', Id: Invalidation.Id })).catch((error: unknown) => error);
    expect(wrongDistribution).toBeInstanceOf(NoSuchDistribution);
    expect(wrongDistribution).toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const unknown = await cloudfront.send(new GetInvalidationCommand({ DistributionId: 'LOCAL', Id: 'INOSUCH' })).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NoSuchInvalidation);
  });

  it("answers each error with the error's own status", () => {
    const { api } = setup();
    const denied = invalidationsApi({
      ...api,
      get: () => {
        throw new CloudFrontApiError('AccessDenied', 'no');
      },
    });
    expect(denied({ method: 'GET', url: '/2020-05-31/distribution/LOCAL/invalidation/I1' })).toMatchObject({ status: 403, body: expect.stringContaining('<Code>AccessDenied</Code>') });
  });
});
