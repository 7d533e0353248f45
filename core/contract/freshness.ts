/**
 * Freshness without invalidation (docs/design.md, "Freshness"): what the viewer
 * function reads to know that an original was replaced or taken down.
 *
 * The KeyValueStore holds FRESHNESS_SLOTS slot keys, all of them always (seeded
 * at deployment), so a read of a slot that fails is an outage, never "not there":
 * `get()` throws for a missing key and for a failing store alike
 * (functions-custom-methods.html, docs/aws-limits.md §A), and the viewer must fail
 * closed. An original's address is the SHA-256 of its key: the first SLOT_DIGITS
 * hex digits pick the slot, the next ENTRY_ID_DIGITS name it in the slot. A slot's
 * value lists the entries of the originals at that address that changed within
 * FRESHNESS_WINDOW_SECONDS, `{id}={token}` separated by spaces, or EMPTY_SLOT:
 *
 *   - a generation token (GENERATION_TOKEN_LENGTH base-36 characters) goes into
 *     the cache key as `v={token}` and into the variant's object key, so a replaced
 *     original's variants are new cache entries and new objects at once: no
 *     invalidation is needed for them to be fresh, and a render of the earlier
 *     upload that finishes late stores an object nothing reads;
 *   - DENIED: taken down, 451 before the cache.
 *
 * An entry is removed once no cached object can need it: the cache key then
 * loses `v`, and what the edge cached under the key without `v` is older than the
 * edge's longest TTL, so it has expired.
 *
 * Pure and ES5-safe: the viewer function runs it (the digest comes from its
 * `crypto` module; Node code uses core/freshness.ts).
 */
import { isGenerationToken } from './image-request.ts';

export const SLOT_DIGITS = 4;
/** 16 ** SLOT_DIGITS, spelled out: the viewer's bundle keeps every computed top-level constant. */
export const FRESHNESS_SLOTS = 65536;
/** 48 bits within a slot of at most MAX_SLOT_ENTRIES: with the slot's 16, 64 bits name an original. */
export const ENTRY_ID_DIGITS = 12;
export const GENERATION_TOKEN_LENGTH = 8;
export const DENIED = '!';
export const EMPTY_SLOT = '-';
/** A KeyValueStore value is at most 1,024 characters (docs/aws-limits.md §A). */
export const MAX_SLOT_VALUE_LENGTH = 1024;
/** `{id}={token}` and a separating space: ENTRY_ID_DIGITS + 1 + GENERATION_TOKEN_LENGTH + 1. */
export const ENTRY_LENGTH = 22;
/** floor((MAX_SLOT_VALUE_LENGTH + 1) / ENTRY_LENGTH): as many entries as a value holds (the last needs no space). */
export const MAX_SLOT_ENTRIES = 46;
/**
 * How long an entry stays: past it, nothing the edge cached without the entry's token can be
 * served. EDGE_MAX_AGE_SECONDS, plus STALE_IF_ERROR_SECONDS (an expired copy answered while the
 * origin fails), plus an hour for the entry to reach every edge (a test holds it).
 */
export const FRESHNESS_WINDOW_SECONDS = 93600;

export interface FreshnessAddress {
  /** The KeyValueStore key of the slot: `s:{4 hex digits}`. */
  readonly slotKey: string;
  readonly id: string;
}

/** The address of an original from the SHA-256 hex digest of its key (originalKey). */
export function freshnessAddress(sha256Hex: string): FreshnessAddress {
  return { slotKey: slotKey(sha256Hex.slice(0, SLOT_DIGITS)), id: sha256Hex.slice(SLOT_DIGITS, SLOT_DIGITS + ENTRY_ID_DIGITS) };
}

export const slotKey = (slotHex: string): string => `s:${slotHex}`;

/** Every slot, empty, in order: what a deployment seeds the KeyValueStore with. */
export function freshnessSeed(): Array<[string, string]> {
  const slots: Array<[string, string]> = [];
  for (let slot = 0; slot < FRESHNESS_SLOTS; slot++) slots.push([slotKey(slot.toString(16).padStart(SLOT_DIGITS, '0')), EMPTY_SLOT]);
  return slots;
}

/** The entry's token (a generation or DENIED) in a slot's value, or undefined. */
export function slotEntry(value: string, id: string): string | undefined {
  const entries = value.split(' ');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as string;
    if (entry.length > id.length && entry.charAt(id.length) === '=' && entry.slice(0, id.length) === id) return entry.slice(id.length + 1);
  }
  return undefined;
}

function entriesOf(value: string): string[] {
  return value === EMPTY_SLOT ? [] : value.split(' ');
}

const joined = (entries: readonly string[]): string => (entries.length === 0 ? EMPTY_SLOT : entries.join(' '));

/** The slot's value with `id` set to `token` (replacing its entry, if any); undefined when the slot is full. */
export function withSlotEntry(value: string, id: string, token: string): string | undefined {
  if (token !== DENIED && !isGenerationToken(token)) throw new Error(`not a generation token: ${token}`);
  const others = entriesOf(value).filter((entry) => entry.slice(0, id.length + 1) !== `${id}=`);
  return others.length >= MAX_SLOT_ENTRIES ? undefined : joined(others.concat(`${id}=${token}`));
}

/** The slot's value without `id`'s entry, when that entry is `token`; undefined when it is not (gone, or a later change's). */
export function withoutSlotEntry(value: string, id: string, token: string): string | undefined {
  const entries = entriesOf(value);
  const others = entries.filter((entry) => entry !== `${id}=${token}`);
  return others.length === entries.length ? undefined : joined(others);
}

/**
 * The generation token of a change, from the SHA-256 hex digest of what names the
 * change (an upload's key@etag): the same change always gets the same token, so a
 * replayed write changes nothing.
 */
export function generationToken(changeSha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(changeSha256Hex)) throw new Error('expected a SHA-256 hex digest');
  // 40 bits of the digest (36^8 > 2^40), base 36, zero-padded: the next upload of a key draws its
  // predecessor's token once in 2^40, which would leave the old bytes cached for a day.
  const value = parseInt(changeSha256Hex.slice(0, 10), 16);
  return value.toString(36).padStart(GENERATION_TOKEN_LENGTH, '0');
}
