/**
 * How the invalidation planner (tasks/plan-invalidations/plan.go) spends
 * CloudFront's in-flight quotas at a steady rate of takedowns and re-uploads:
 * each one queues the URLs of every variant of one original (a "group"); a group
 * of FOLD_MIN_PATHS or more folds into one wildcard while the wildcard quota
 * lasts, and goes out as exact paths after that.
 */
import type { Assumptions } from './assumptions.ts';

/** CloudFront's quotas and the planner's rules, as in plan.go (MaxPathsInFlight, MaxWildcardsInFlight, FoldMinPaths, MaxPathsPerBatch). */
export const MAX_PATHS_IN_FLIGHT = 3_000;
export const MAX_WILDCARDS_IN_FLIGHT = 15;
export const FOLD_MIN_PATHS = 4;
export const MAX_PATHS_PER_BATCH = 1_000;

export const MINUTES_PER_DAY = 24 * 60;

export interface InvalidationLoad {
  /** Groups submitted by one flush. */
  readonly groupsPerFlush: number;
  /** Groups whose invalidation is still in progress at any moment. */
  readonly groupsInFlight: number;
  readonly wildcardsInFlight: number;
  /** In-flight paths, wildcards included (the planner spends a wildcard from both budgets). */
  readonly pathsInFlight: number;
  /** Share of groups sent as one wildcard; the rest are sent path by path. */
  readonly foldedShare: number;
  /** Paths billed per group on average. */
  readonly billedPathsPerGroup: number;
}

type InvalidationAssumptions = Pick<Assumptions, 'flushMinutes' | 'invalidationMinutes' | 'variantsPerOriginal'>;

export function invalidationLoad(groupsPerDay: number, a: InvalidationAssumptions): InvalidationLoad {
  const groupsPerFlush = (groupsPerDay / MINUTES_PER_DAY) * a.flushMinutes;
  // A flush's invalidations stay in progress through this many flushes (theirs included).
  const flushesInFlight = Math.ceil(a.invalidationMinutes / a.flushMinutes);
  const groupsInFlight = groupsPerFlush * flushesInFlight;
  const foldable = a.variantsPerOriginal >= FOLD_MIN_PATHS;
  const wildcardsInFlight = foldable ? Math.min(groupsInFlight, MAX_WILDCARDS_IN_FLIGHT) : 0;
  const pathsInFlight = wildcardsInFlight + (groupsInFlight - wildcardsInFlight) * a.variantsPerOriginal;
  const foldedShare = groupsInFlight > 0 ? wildcardsInFlight / groupsInFlight : foldable ? 1 : 0;
  return {
    groupsPerFlush,
    groupsInFlight,
    wildcardsInFlight,
    pathsInFlight,
    foldedShare,
    billedPathsPerGroup: foldedShare + (1 - foldedShare) * a.variantsPerOriginal,
  };
}
