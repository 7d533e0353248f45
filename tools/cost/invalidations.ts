/**
 * How the invalidation planner (tasks/plan-invalidations) spends one distribution's
 * in-flight quotas at a steady rate of takedowns. Only takedowns queue URLs now: a
 * re-upload moves the original's generation token, which is in the cache key
 * (core/contract/freshness.ts). Each takedown queues the URLs of every variant of one
 * original (a "group").
 *
 * The planner plans by quota cost: a group goes out as its exact paths while they fit
 * the 3,000 paths in flight; only a group whose exact paths do not fit goes out as one
 * wildcard, and only while one of the 15 wildcards in flight is free (a wildcard also
 * takes one of the 3,000); past both budgets a group waits. In a steady state that
 * means: every group exact while groups × paths ≤ 3,000; past that, just enough
 * wildcards to keep the paths at 3,000; past 15 of those, the queue grows.
 */
import type { Assumptions } from './assumptions.ts';

/** CloudFront's quotas per distribution and the batch size, as in plan.go (MaxPathsInFlight, MaxWildcardsInFlight, MaxPathsPerBatch). */
export const MAX_PATHS_IN_FLIGHT = 3_000;
export const MAX_WILDCARDS_IN_FLIGHT = 15;
export const MAX_PATHS_PER_BATCH = 1_000;

export const MINUTES_PER_DAY = 24 * 60;

export interface InvalidationLoad {
  /** Groups submitted by one flush. */
  readonly groupsPerFlush: number;
  /** Groups whose invalidation is in progress at any moment (what the rate asks for). */
  readonly groupsInFlight: number;
  /** Paths in flight if every group went out as exact paths. */
  readonly exactPathsWanted: number;
  /** Wildcards the rule needs to keep the paths in flight within 3,000 (may pass 15: then the queue grows). */
  readonly wildcardsWanted: number;
  /** Wildcards in flight: the ones wanted, up to 15. */
  readonly wildcardsInFlight: number;
  /** Paths in flight, wildcards included (a wildcard is spent from both budgets); past 3,000 only when groups wait. */
  readonly pathsInFlight: number;
  /** Share of groups sent as one wildcard; the rest are sent path by path. */
  readonly foldedShare: number;
  /** Paths billed per group on average: what the planner submits (a wildcard is one path). */
  readonly billedPathsPerGroup: number;
  /** The most groups the two budgets hold in flight. */
  readonly groupCapacity: number;
}

type InvalidationAssumptions = Pick<Assumptions, 'flushMinutes' | 'invalidationMinutes' | 'variantsPerOriginal'>;

/** The steady state of one distribution's invalidations at `groupsPerDay`. */
export function invalidationLoad(groupsPerDay: number, a: InvalidationAssumptions): InvalidationLoad {
  const paths = a.variantsPerOriginal;
  const groupsPerFlush = (groupsPerDay / MINUTES_PER_DAY) * a.flushMinutes;
  // A flush's invalidations stay in progress through this many flushes (theirs included).
  const flushesInFlight = Math.ceil(a.invalidationMinutes / a.flushMinutes);
  const groupsInFlight = groupsPerFlush * flushesInFlight;
  const exactPathsWanted = groupsInFlight * paths;
  // A wildcard in place of a group's exact paths frees paths − 1 of the budget; with one path a group has nothing to gain.
  const saved = paths - 1;
  const wildcardsWanted = saved > 0 && exactPathsWanted > MAX_PATHS_IN_FLIGHT ? (exactPathsWanted - MAX_PATHS_IN_FLIGHT) / saved : 0;
  const wildcardsInFlight = Math.min(wildcardsWanted, MAX_WILDCARDS_IN_FLIGHT);
  const foldedShare = groupsInFlight > 0 ? wildcardsInFlight / groupsInFlight : 0;
  return {
    groupsPerFlush,
    groupsInFlight,
    exactPathsWanted,
    wildcardsWanted,
    wildcardsInFlight,
    pathsInFlight: exactPathsWanted - wildcardsInFlight * saved,
    foldedShare,
    billedPathsPerGroup: paths - foldedShare * saved,
    groupCapacity: paths > 0 ? (MAX_PATHS_IN_FLIGHT + (saved > 0 ? MAX_WILDCARDS_IN_FLIGHT * saved : 0)) / paths : Number.POSITIVE_INFINITY,
  };
}
