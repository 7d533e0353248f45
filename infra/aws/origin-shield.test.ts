/**
 * The deployment names one Origin Shield Region (ORIGIN_SHIELD_REGION) and both
 * origins of the group use it; it is an originals Region and a Region CloudFront
 * offers Origin Shield in, so the origin-request function, which runs there,
 * reads the replica of that Region first and fails over to the other two.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isOriginalsRegion, ORIGIN_SHIELD_REGIONS, ORIGINALS_REGIONS, regionsNearestFirst } from '../../core/index.ts';
import { synthesizeForAssertions, type SynthesizedDeployment } from '../../test/support/synth.ts';
import { ORIGIN_SHIELD_REGION } from './stacks/delivery.ts';

describe('the Origin Shield Region', () => {
  let deployment: SynthesizedDeployment;
  beforeAll(() => {
    deployment = synthesizeForAssertions();
  });

  it('is one of the three originals Regions and a documented Origin Shield Region', () => {
    expect(isOriginalsRegion(ORIGIN_SHIELD_REGION)).toBe(true);
    expect(ORIGIN_SHIELD_REGIONS).toContain(ORIGIN_SHIELD_REGION);
  });

  it('is the one both origins of the group are shielded in', () => {
    const distribution = Object.values(deployment.template('delivery').findResources('AWS::CloudFront::Distribution'))[0] as { Properties: { DistributionConfig: { Origins: Array<{ OriginShield: unknown }> } } };
    const origins = distribution.Properties.DistributionConfig.Origins;
    expect(origins).toHaveLength(2);
    for (const origin of origins) expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: ORIGIN_SHIELD_REGION });
  });

  it('makes its own replica the primary read of every render, the other two the failover', () => {
    const order = regionsNearestFirst(ORIGIN_SHIELD_REGION);
    expect(order[0]).toBe(ORIGIN_SHIELD_REGION);
    expect([...order].sort()).toEqual([...ORIGINALS_REGIONS].sort());
  });
});
