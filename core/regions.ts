/** The three regions holding a replica of every original (S3 Cross-Region Replication). */
export const ORIGINALS_REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'] as const;
export type OriginalsRegion = (typeof ORIGINALS_REGIONS)[number];

/**
 * Where uploads land (tenants write the primary originals bucket; replication copies
 * out from it): a key it does not have is gone (taken down, quarantined, deleted), or
 * never was, whatever a lagging replica still holds.
 */
export const UPLOAD_REGION: OriginalsRegion = ORIGINALS_REGIONS[0];

/**
 * The Regions CloudFront offers Origin Shield in, as the Developer Guide lists
 * them ("CloudFront offers Origin Shield in the following AWS Regions",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html#choose-origin-shield-region;
 * docs/aws-limits.md §C). Every originals Region is one, so the deployment may
 * put Origin Shield, and with it the origin-request function, in any of them.
 */
export const ORIGIN_SHIELD_REGIONS = [
  'us-east-2', 'us-east-1', 'us-west-2', 'ap-south-1', 'ap-northeast-2', 'ap-southeast-1',
  'ap-southeast-2', 'ap-northeast-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'sa-east-1',
] as const;

export function isOriginalsRegion(region: string | undefined): region is OriginalsRegion {
  return (ORIGINALS_REGIONS as readonly (string | undefined)[]).includes(region);
}

/**
 * The order the origin-request function reads the replicas in, when it runs in
 * an originals Region, which it does by design: with Origin Shield on,
 * CloudFront runs origin-facing triggers "in the AWS Region where Origin Shield
 * is enabled" (docs/aws-limits.md §B), and the deployment puts the shield in
 * one of these three (infra/aws/stacks/delivery.ts, ORIGIN_SHIELD_REGION).
 * Its own Region's replica is the primary read, every render reads it; the
 * other two are disaster recovery, read only when it fails or lacks the
 * object, in order of round trip from there (Ireland is closer to Virginia
 * than Tokyo is; Tokyo is closer to Virginia than to Ireland).
 */
const FAILOVER_ORDER: Readonly<Record<OriginalsRegion, readonly OriginalsRegion[]>> = {
  'us-east-1': ['us-east-1', 'eu-west-1', 'ap-northeast-1'],
  'eu-west-1': ['eu-west-1', 'us-east-1', 'ap-northeast-1'],
  'ap-northeast-1': ['ap-northeast-1', 'us-east-1', 'eu-west-1'],
};

/**
 * Anywhere else (Origin Shield off, so the function runs in the Region of the
 * regional edge cache; or a render task in another Region): nearest replica
 * by typical inter-region round trip. The Americas reach Virginia first,
 * Europe/Middle East/Africa reach Ireland, Asia-Pacific reaches Tokyo; South
 * Asia is about as close to Ireland as to Virginia, so Ireland comes second there.
 */
const NEAREST_BY_PREFIX: ReadonlyArray<readonly [prefix: string, order: readonly OriginalsRegion[]]> = [
  ['ap-south-', ['ap-northeast-1', 'eu-west-1', 'us-east-1']],
  ['us-west-', ['us-east-1', 'ap-northeast-1', 'eu-west-1']],
  ['ap-', ['ap-northeast-1', 'us-east-1', 'eu-west-1']],
  ['eu-', ['eu-west-1', 'us-east-1', 'ap-northeast-1']],
  ['me-', ['eu-west-1', 'ap-northeast-1', 'us-east-1']],
  ['il-', ['eu-west-1', 'us-east-1', 'ap-northeast-1']],
  ['af-', ['eu-west-1', 'us-east-1', 'ap-northeast-1']],
];
const DEFAULT_ORDER: readonly OriginalsRegion[] = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];

/**
 * The replicas in the order to read them, derived from the Region the caller
 * runs in (Lambda's own AWS_REGION): that Region's replica first when it has
 * one (the primary read; the others are failover), else the nearest.
 */
export function regionsNearestFirst(executingRegion: string | undefined): readonly OriginalsRegion[] {
  if (isOriginalsRegion(executingRegion)) return FAILOVER_ORDER[executingRegion];
  const region = executingRegion ?? '';
  for (const [prefix, order] of NEAREST_BY_PREFIX) {
    if (region.startsWith(prefix)) return order;
  }
  return DEFAULT_ORDER;
}

/** One value per originals region. */
export function byRegion<T>(value: (region: OriginalsRegion) => T): Record<OriginalsRegion, T> {
  return { 'us-east-1': value('us-east-1'), 'eu-west-1': value('eu-west-1'), 'ap-northeast-1': value('ap-northeast-1') };
}
