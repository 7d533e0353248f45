/** The three regions holding a replica of every original (S3 Cross-Region Replication). */
export const ORIGINALS_REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'] as const;
export type OriginalsRegion = (typeof ORIGINALS_REGIONS)[number];

/**
 * Replicas nearest first for the region Lambda@Edge runs in (the Origin
 * Shield region, docs/aws-limits.md §B). Ordered by typical inter-region round
 * trip: the Americas reach Virginia first, Europe/Middle East/Africa reach
 * Ireland, Asia-Pacific reaches Tokyo; South Asia is about as close to
 * Ireland as to Virginia, so Ireland comes second there.
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

export function regionsNearestFirst(executingRegion: string | undefined): readonly OriginalsRegion[] {
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
