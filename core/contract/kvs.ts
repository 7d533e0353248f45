/**
 * The CloudFront KeyValueStore layout the viewer function reads. Writers
 * (CDK seeding, the takedown workflow, the local stack) use these same
 * builders so a key is spelled in exactly one place.
 *
 * KVS limits (docs/aws-limits.md §A): key ≤ 512 chars, value ≤ 1,024 chars.
 * The takedown deny-list and the generations of replaced originals: freshness.ts (`s:{slot}`).
 */
import { MAX_LADDER_RUNGS, MAX_OUTPUT_DIMENSION } from './limits.ts';

/** A KeyValueStore holds at most 5 MB (docs/aws-limits.md §A); read as 5,000,000 bytes, the stricter reading. */
export const MAX_KVS_BYTES = 5000000;

/** `t:{tenant}` → TenantConfig JSON. A tenant without this key does not exist (404). */
export const tenantConfigKey = (tenant: string): string => `t:${tenant}`;

/**
 * `k:{tenant}:{kid}` → the tenant's HMAC secret of that key id (signing.ts). Present
 * means the kid is valid: rotation puts a second kid, revocation deletes one.
 * Put by ops, never by deployment config (README: Sign a URL).
 */
export const signingSecretKey = (tenant: string, kid: string): string => `k:${tenant}:${kid}`;

/** `p:{Key-Pair-Id}` → the tenant that CloudFront public key signs for (key-group tenants). */
export const keyPairTenantKey = (keyPairId: string): string => `p:${keyPairId}`;

/** How a tenant's URLs must be signed; absent: they need no signature. */
export const SIGNING_MODES = ['hmac', 'key-group'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];

export interface TenantConfig {
  /** Width ladder override; rungs ascending, each 1..MAX_OUTPUT_DIMENSION. */
  readonly ladder?: readonly number[];
  /** `hmac`: kid/exp/sig checked by the viewer function; `key-group`: CloudFront signed URLs with this tenant's Key-Pair-Id. */
  readonly signing?: SigningMode;
}

/** Validates a tenant config before it is written to the store; returns the problem or undefined. */
export function tenantConfigProblem(config: TenantConfig): string | undefined {
  if (config.signing !== undefined && (SIGNING_MODES as readonly string[]).indexOf(config.signing) < 0) return 'signing must be hmac or key-group';
  return ladderProblem(config.ladder);
}

/** A ladder override's problem, or undefined (also when there is none). */
export function ladderProblem(ladder: readonly number[] | undefined): string | undefined {
  if (ladder === undefined) return undefined;
  if (ladder.length === 0 || ladder.length > MAX_LADDER_RUNGS) return `ladder must have 1..${MAX_LADDER_RUNGS} rungs`;
  for (let i = 0; i < ladder.length; i++) {
    const rung = ladder[i] as number;
    if (!Number.isInteger(rung) || rung < 1 || rung > MAX_OUTPUT_DIMENSION) return `ladder rung ${rung} is outside 1..${MAX_OUTPUT_DIMENSION}`;
    if (i > 0 && rung <= (ladder[i - 1] as number)) return 'ladder rungs must be strictly ascending';
  }
  return undefined;
}
