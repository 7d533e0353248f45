/**
 * The freshness slots (core/contract/freshness.ts) of a store created before them:
 * what Custom::TenantKeys writes so the viewer function finds every slot it reads
 * (docs/design.md, "Upgrading an existing store"). Pure: index.ts reads and writes.
 *
 * Such a store lacks the slots (its import did not hold them, and CloudFormation
 * never imports into an existing store) and may hold the takedowns of before,
 * `d:{originalKey}` keys, which the viewer function no longer reads: each becomes
 * a DENIED entry in its original's slot, and its key goes.
 */
import { DENIED, EMPTY_SLOT, freshnessAddressOf, freshnessSeed, MAX_SLOT_ENTRIES, SlotFull, slotEntry, slotKey, withSlotEntry } from '../../../core/index.ts';

/** The slot written last (and the last of every import): where it is, every slot is. */
export const SENTINEL_SLOT = slotKey('ffff');
/** A takedown before the slots: `d:{originalKey}` → a JSON note (reason, time). */
export const LEGACY_DENY_PREFIX = 'd:';

export interface StoredKey {
  readonly Key: string;
  readonly Value: string;
}

export interface SlotUpgrade {
  /** The slots to write but the sentinel, in order: each missing one, and each that lacks a takedown. */
  readonly slots: StoredKey[];
  /** The legacy takedown keys, to delete once their entries are in. */
  readonly legacy: Array<{ Key: string }>;
  /** Written after everything else. */
  readonly sentinel: StoredKey;
}

interface Takedown {
  readonly id: string;
  readonly originalKey: string;
}

/**
 * What the upgrade writes, from every key the store holds: a slot that exists keeps its
 * value (entries others wrote stay) and gains what it lacks, so a second run writes only
 * what the first did not. Throws SlotFull, before anything is written, when a slot cannot
 * take its takedowns: dropping one would serve a taken-down original again.
 */
export function slotUpgrade(stored: readonly StoredKey[]): SlotUpgrade {
  const values = new Map(stored.map(({ Key, Value }) => [Key, Value]));
  const legacy = stored.filter(({ Key }) => Key.startsWith(LEGACY_DENY_PREFIX)).map(({ Key }) => ({ Key }));
  const takedowns = takedownsBySlot(legacy.map(({ Key }) => Key.slice(LEGACY_DENY_PREFIX.length)));
  const upgraded = (slot: string): StoredKey => ({ Key: slot, Value: withTakedowns(slot, values.get(slot) ?? EMPTY_SLOT, takedowns.get(slot) ?? []) });
  const slots = freshnessSeed()
    .map(([slot]) => slot)
    .filter((slot) => slot !== SENTINEL_SLOT)
    .map(upgraded)
    .filter(({ Key, Value }) => values.get(Key) !== Value);
  return { slots, legacy, sentinel: upgraded(SENTINEL_SLOT) };
}

function takedownsBySlot(originalKeys: readonly string[]): Map<string, Takedown[]> {
  const bySlot = new Map<string, Takedown[]>();
  for (const originalKey of originalKeys) {
    const { slotKey: slot, id } = freshnessAddressOf(originalKey);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), { id, originalKey }]);
  }
  return bySlot;
}

function withTakedowns(slot: string, value: string, takedowns: readonly Takedown[]): string {
  return takedowns.reduce((current, { id, originalKey }) => {
    if (slotEntry(current, id) === DENIED) return current;
    const next = withSlotEntry(current, id, DENIED);
    if (next === undefined) {
      throw new SlotFull(
        `freshness slot ${slot} holds ${MAX_SLOT_ENTRIES} entries, the most a slot can: no room for the takedown ${LEGACY_DENY_PREFIX}${originalKey}. ` +
          `No slot was written in this run; delete the ${LEGACY_DENY_PREFIX} keys of takedowns that no longer apply and deploy again`,
      );
    }
    return next;
  }, value);
}
