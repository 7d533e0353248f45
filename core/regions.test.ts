import { describe, expect, it } from 'vitest';
import { isOriginalsRegion, ORIGIN_SHIELD_REGIONS, ORIGINALS_REGIONS, regionsNearestFirst } from './regions.ts';

describe('regionsNearestFirst', () => {
  // With Origin Shield on, the origin-request function runs in the shield Region (AWS_REGION): its replica is the primary read.
  it.each([
    ['us-east-1', ['us-east-1', 'eu-west-1', 'ap-northeast-1']],
    ['eu-west-1', ['eu-west-1', 'us-east-1', 'ap-northeast-1']],
    ['ap-northeast-1', ['ap-northeast-1', 'us-east-1', 'eu-west-1']],
  ])('reads the shield Region %s replica first, then the other two as failover in this order', (shield, order) => {
    expect(regionsNearestFirst(shield)).toEqual(order);
  });

  it.each([
    ['us-west-2', 'us-east-1'],
    ['sa-east-1', 'us-east-1'],
    ['eu-central-1', 'eu-west-1'],
    ['me-central-1', 'eu-west-1'],
    ['ap-southeast-2', 'ap-northeast-1'],
    ['ap-south-1', 'ap-northeast-1'],
  ])('starts with the replica nearest to %s when it runs outside the originals Regions', (executing, nearest) => {
    expect(regionsNearestFirst(executing)[0]).toBe(nearest);
  });

  it.each(['us-east-1', 'eu-west-2', 'ap-south-1', 'af-south-1', 'unknown-1', undefined])('lists every replica exactly once for %s', (executing) => {
    expect([...regionsNearestFirst(executing)].sort()).toEqual([...ORIGINALS_REGIONS].sort());
  });
});

describe('the Origin Shield Regions', () => {
  it('include every originals Region, so the deployment may put the shield (and the renderer) next to any replica', () => {
    for (const region of ORIGINALS_REGIONS) expect(ORIGIN_SHIELD_REGIONS).toContain(region);
  });

  it('tells an originals Region from any other', () => {
    expect(ORIGINALS_REGIONS.every(isOriginalsRegion)).toBe(true);
    expect(['us-east-2', 'eu-west-2', '', undefined].some(isOriginalsRegion)).toBe(false);
  });
});
