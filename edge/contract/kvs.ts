/**
 * The CloudFront KeyValueStore layout the viewer function reads. Writers
 * (CDK seeding, the takedown workflow, the local stack) use these same
 * builders so a key is spelled in exactly one place.
 *
 * KVS limits (aws-limits.md §A): key ≤ 512 chars, value ≤ 1,024 chars.
 */
import { MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION } from './limits.ts';

/** `t:{tenant}` → TenantConfig JSON. A tenant without this key does not exist (404). */
export const tenantConfigKey = (tenant: string): string => `t:${tenant}`;

/** `d:{originalKey}` → DenyEntry JSON. Present means taken down (451), whatever the variant. */
export const denyKey = (originalKey: string): string => `d:${originalKey}`;

export interface TenantConfig {
  /** Width ladder override; rungs ascending, each 1..MAX_OUTPUT_DIMENSION. */
  readonly ladder?: readonly number[];
}

export interface DenyEntry {
  readonly reason: string;
  /** ISO time the takedown started. */
  readonly at: string;
}

/** Validates a tenant config before it is written to the store; returns the problem or undefined. */
export function tenantConfigProblem(config: TenantConfig): string | undefined {
  const ladder = config.ladder;
  if (ladder === undefined) return undefined;
  if (ladder.length === 0 || ladder.length > MAX_LADDER_RUNGS) return `ladder must have 1..${MAX_LADDER_RUNGS} rungs`;
  for (let i = 0; i < ladder.length; i++) {
    const rung = ladder[i] as number;
    if (!Number.isInteger(rung) || rung < 1 || rung > MAX_OUTPUT_DIMENSION) return `ladder rung ${rung} is outside 1..${MAX_OUTPUT_DIMENSION}`;
    if (i > 0 && rung <= (ladder[i - 1] as number)) return 'ladder rungs must be strictly ascending';
  }
  return undefined;
}
