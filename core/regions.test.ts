import { describe, expect, it } from 'vitest';
import { ORIGINALS_REGIONS, regionsNearestFirst } from './regions.ts';

describe('regionsNearestFirst', () => {
  it.each([
    ['us-east-1', 'us-east-1'],
    ['us-west-2', 'us-east-1'],
    ['sa-east-1', 'us-east-1'],
    ['eu-central-1', 'eu-west-1'],
    ['me-central-1', 'eu-west-1'],
    ['ap-southeast-2', 'ap-northeast-1'],
    ['ap-south-1', 'ap-northeast-1'],
  ])('starts with the nearest replica for %s', (edge, nearest) => {
    expect(regionsNearestFirst(edge)[0]).toBe(nearest);
  });

  it.each(['us-east-1', 'eu-west-2', 'ap-south-1', 'af-south-1', 'unknown-1', undefined])('lists every replica exactly once for %s', (edge) => {
    expect([...regionsNearestFirst(edge)].sort()).toEqual([...ORIGINALS_REGIONS].sort());
  });
});
