/**
 * What the freshness entries (core/contract/freshness.ts) ask of a cell's
 * KeyValueStore: its bytes against the 5 MB a store holds, and the load of its
 * fullest slot against MAX_SLOT_ENTRIES.
 *
 * A store always holds FRESHNESS_SLOTS slot keys (`s:xxxx`, seeded with EMPTY_SLOT),
 * plus one entry (`{id}={token}` and a separating space) per original replaced or
 * taken down within FRESHNESS_WINDOW_SECONDS (entries are removed after the window),
 * plus the tenant configs and signing keys of the cell's tenants.
 */
import {
  EMPTY_SLOT,
  ENTRY_LENGTH,
  FRESHNESS_SLOTS,
  FRESHNESS_WINDOW_SECONDS,
  keyPairTenantKey,
  MAX_KEY_ID_LENGTH,
  MAX_LADDER_RUNGS,
  MAX_OUTPUT_DIMENSION,
  MAX_SLOT_ENTRIES,
  MAX_TENANT_LENGTH,
  signingSecretKey,
  SLOT_DIGITS,
  slotKey,
  tenantConfigKey,
  type TenantConfig,
} from '../../core/contract/index.ts';
import { MAX_PUBLIC_KEYS_PER_TENANT } from '../../core/deployment/index.ts';

/**
 * "5 MB total" (docs/aws-limits.md §A, kvs-with-functions-create-s3-kvp.html); whether
 * MB means 10^6 or 2^20 bytes is not stated, so the stricter 10^6. The API counts the
 * store in bytes (PutKey's TotalSizeInBytes).
 */
export const KVS_MAX_BYTES = 5_000_000;

/** Every slot key with its empty value: the floor of every store, whatever the traffic. */
export const SLOT_KEY_BYTES = FRESHNESS_SLOTS * (slotKey('0'.repeat(SLOT_DIGITS)).length + EMPTY_SLOT.length);

/**
 * One entry, `{id}={token}`, and the space that separates it from the next: the contract's
 * ENTRY_LENGTH (an upper bound: the last has none, and it replaces EMPTY_SLOT).
 */
export const ENTRY_BYTES = ENTRY_LENGTH;

/** core/signing makes a secret of 43 characters (base64url of 32 random bytes). */
const SECRET_LENGTH = 43;
/** hmac tenants keep two kids while a secret rotates. */
const KIDS_PER_HMAC_TENANT = 2;

const LONGEST_TENANT = 'a'.repeat(MAX_TENANT_LENGTH);
const LONGEST_KEY_ID = 'k'.repeat(MAX_KEY_ID_LENGTH);
/** The longest config the contract allows: every rung 4 digits, the longer signing mode. */
const LONGEST_CONFIG: TenantConfig = {
  ladder: Array.from({ length: MAX_LADDER_RUNGS }, (_, i) => MAX_OUTPUT_DIMENSION - MAX_LADDER_RUNGS + 1 + i),
  signing: 'key-group',
};

/**
 * A tenant's keys at their longest (an upper bound, estimated from the contract): its
 * config (`t:{tenant}` → the longest TenantConfig JSON) and the larger of its two
 * signing modes' keys: hmac, two `k:{tenant}:{kid}` → secret; key-group,
 * MAX_PUBLIC_KEYS_PER_TENANT × `p:{Key-Pair-Id}` → tenant.
 */
export const TENANT_BYTES =
  tenantConfigKey(LONGEST_TENANT).length +
  JSON.stringify(LONGEST_CONFIG).length +
  Math.max(
    KIDS_PER_HMAC_TENANT * (signingSecretKey(LONGEST_TENANT, LONGEST_KEY_ID).length + SECRET_LENGTH),
    MAX_PUBLIC_KEYS_PER_TENANT * (keyPairTenantKey(LONGEST_KEY_ID).length + MAX_TENANT_LENGTH),
  );

export interface StoreBytes {
  readonly slotKeys: number;
  readonly entries: number;
  readonly tenants: number;
  readonly total: number;
}

/** One store's bytes with `liveEntries` entries and `tenants` tenants. */
export function storeBytes(liveEntries: number, tenants: number): StoreBytes {
  const entries = liveEntries * ENTRY_BYTES;
  const tenantBytes = tenants * TENANT_BYTES;
  return { slotKeys: SLOT_KEY_BYTES, entries, tenants: tenantBytes, total: SLOT_KEY_BYTES + entries + tenantBytes };
}

/** Entries alive at once when changes (re-uploads and takedowns) arrive at `changesPerSecond`: each lives FRESHNESS_WINDOW_SECONDS. */
export const liveEntries = (changesPerSecond: number): number => changesPerSecond * FRESHNESS_WINDOW_SECONDS;

/**
 * The load of the fullest of `slots` slots holding `entries` entries spread uniformly
 * (an original's slot is a digit of the SHA-256 of its key), Poissonized: each slot's
 * count is Poisson(λ = entries / slots), independently (exact in the limit, and close
 * for tens of thousands of slots).
 */
export interface SlotLoad {
  readonly meanPerSlot: number;
  /** E[the fullest slot's entries] = Σ_{m ≥ 1} P(max ≥ m). */
  readonly expectedFullest: number;
  /** P(some slot holds more than MAX_SLOT_ENTRIES): SlotFull for the next change there. */
  readonly overflowProbability: number;
}

export function slotLoad(entries: number, slots: number, capacity: number = MAX_SLOT_ENTRIES): SlotLoad {
  if (entries <= 0 || slots <= 0) return { meanPerSlot: 0, expectedFullest: 0, overflowProbability: 0 };
  const lambda = entries / slots;
  const tail = poissonTail(lambda, slots);
  const anyAtLeast = (m: number) => -Math.expm1(slots * Math.log1p(-tail.at(m)));
  let expectedFullest = tail.from; // P(max ≥ m) is 1 to double precision for every m ≤ from
  for (let m = tail.from + 1; m <= tail.to; m++) expectedFullest += anyAtLeast(m);
  return { meanPerSlot: lambda, expectedFullest, overflowProbability: anyAtLeast(capacity + 1) };
}

/**
 * P(X ≥ m) for X ~ Poisson(λ), for m in [from, to]: 1 below `from`, and small enough past
 * `to` that `slots` of them add nothing to an expectation.
 */
function poissonTail(lambda: number, slots: number): { from: number; to: number; at: (m: number) => number } {
  const spread = Math.sqrt(lambda);
  const from = Math.max(0, Math.floor(lambda - 12 * spread - 12));
  // Probabilities from `from` up, in log space (λ may be large), until slots × pmf is negligible past the mode.
  const logPmf: number[] = [];
  let log = from * Math.log(lambda) - lambda - lnFactorial(from);
  for (let k = from; ; k++) {
    logPmf.push(log);
    if (k > lambda && log + Math.log(slots) < -60) break;
    log += Math.log(lambda) - Math.log(k + 1);
  }
  const to = from + logPmf.length - 1;
  const tails = new Array<number>(logPmf.length + 1).fill(0);
  for (let i = logPmf.length - 1; i >= 0; i--) tails[i] = (tails[i + 1] as number) + Math.exp(logPmf[i] as number);
  return {
    from,
    to,
    at: (m) => (m <= from ? 1 : m > to ? 0 : Math.min(1, tails[m - from] as number)),
  };
}

/** ln k!: exact sum to 256, Stirling's series past it (error below 1e-12). */
function lnFactorial(k: number): number {
  if (k < 256) {
    let sum = 0;
    for (let i = 2; i <= k; i++) sum += Math.log(i);
    return sum;
  }
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + 1 / (12 * k) - 1 / (360 * k ** 3);
}
