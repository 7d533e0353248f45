import { describe, expect, it } from 'vitest';
import { createLocalInvalidations } from './invalidations.ts';

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
    expect(api.get(api.records[0]!.id)).toMatchObject({ Status: 'Completed', InvalidationBatch: { Paths: { Items: api.records[0]!.paths } } });
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
