import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DENIED,
  EMPTY_SLOT,
  ENTRY_ID_DIGITS,
  ENTRY_LENGTH,
  FRESHNESS_SLOTS,
  FRESHNESS_WINDOW_SECONDS,
  freshnessAddress,
  freshnessSeed,
  GENERATION_TOKEN_LENGTH,
  generationToken,
  MAX_SLOT_ENTRIES,
  MAX_SLOT_VALUE_LENGTH,
  SLOT_DIGITS,
  slotEntry,
  withoutSlotEntry,
  withSlotEntry,
} from './freshness.ts';
import { EDGE_MAX_AGE_SECONDS, STALE_IF_ERROR_SECONDS } from './limits.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const id = (n: number) => n.toString(16).padStart(ENTRY_ID_DIGITS, '0');
const fill = (n: number) => Array.from({ length: n }, (_, i) => i).reduce((value, i) => withSlotEntry(value, id(i), 'abc12345')!, EMPTY_SLOT);

describe('freshness slots', () => {
  it("addresses an original by its key's SHA-256: the slot from the first 4 hex digits, the id from the next 12", () => {
    const digest = sha256('demo/photos/cat.jpg');
    expect(freshnessAddress(digest)).toEqual({ slotKey: `s:${digest.slice(0, 4)}`, id: digest.slice(4, 16) });
  });

  it('seeds every slot, empty, once', () => {
    const seed = freshnessSeed();
    expect(seed).toHaveLength(FRESHNESS_SLOTS);
    expect(FRESHNESS_SLOTS).toBe(16 ** SLOT_DIGITS);
    expect(new Set(seed.map(([key]) => key)).size).toBe(FRESHNESS_SLOTS);
    expect(seed[0]).toEqual(['s:0000', EMPTY_SLOT]);
    expect(seed.at(-1)).toEqual(['s:ffff', EMPTY_SLOT]);
  });

  it('sets, replaces and reads an entry; an id that only shares a prefix is another entry', () => {
    const value = withSlotEntry(withSlotEntry(EMPTY_SLOT, id(1), 'aaaaaaaa')!, id(2), DENIED)!;
    expect(slotEntry(value, id(1))).toBe('aaaaaaaa');
    expect(slotEntry(value, id(2))).toBe(DENIED);
    expect(slotEntry(value, id(3))).toBeUndefined();
    expect(slotEntry(value, id(1).slice(0, -1))).toBeUndefined();
    expect(slotEntry(withSlotEntry(value, id(1), 'bbbbbbbb')!, id(1))).toBe('bbbbbbbb');
    expect(slotEntry(EMPTY_SLOT, id(1))).toBeUndefined();
  });

  it(`holds MAX_SLOT_ENTRIES (${MAX_SLOT_ENTRIES}) entries within a KeyValueStore value, and refuses one more`, () => {
    expect(ENTRY_LENGTH).toBe(ENTRY_ID_DIGITS + 1 + GENERATION_TOKEN_LENGTH + 1);
    expect(MAX_SLOT_ENTRIES).toBe(Math.floor((MAX_SLOT_VALUE_LENGTH + 1) / ENTRY_LENGTH));
    const full = fill(MAX_SLOT_ENTRIES);
    expect(full.length).toBeLessThanOrEqual(MAX_SLOT_VALUE_LENGTH);
    expect(withSlotEntry(full, id(MAX_SLOT_ENTRIES), DENIED)).toBeUndefined();
    // A full slot still takes a change of an entry it holds.
    expect(slotEntry(withSlotEntry(full, id(0), DENIED)!, id(0))).toBe(DENIED);
  });

  it('refuses a token that is neither a generation nor DENIED', () => {
    expect(() => withSlotEntry(EMPTY_SLOT, id(1), 'a=b c')).toThrow(/not a generation token/);
  });

  it('derives an eight-character base-36 token from what names the change, the same every time', () => {
    const token = generationToken(sha256('demo/cat.jpg@etag-1'));
    expect(token).toMatch(/^[0-9a-z]{8}$/);
    expect(generationToken(sha256('demo/cat.jpg@etag-1'))).toBe(token);
    expect(generationToken(sha256('demo/cat.jpg@etag-2'))).not.toBe(token);
    expect(generationToken('0'.repeat(64))).toBe('00000000');
  });

  it("keeps an entry past the edge's longest TTL and its stale-on-error time, plus an hour to reach every edge", () => {
    expect(FRESHNESS_WINDOW_SECONDS).toBe(EDGE_MAX_AGE_SECONDS + STALE_IF_ERROR_SECONDS + 3600);
  });

  it('removes an entry only while it is the change it names: a later change, or no entry, is left as it is', () => {
    const value = withSlotEntry(withSlotEntry(EMPTY_SLOT, id(1), 'aaaaaaaa')!, id(2), DENIED)!;
    expect(withoutSlotEntry(value, id(1), 'aaaaaaaa')).toBe(`${id(2)}=${DENIED}`);
    expect(withoutSlotEntry(withoutSlotEntry(value, id(1), 'aaaaaaaa')!, id(2), DENIED)).toBe(EMPTY_SLOT);
    expect(withoutSlotEntry(value, id(1), 'bbbbbbbb')).toBeUndefined();
    expect(withoutSlotEntry(value, id(1), DENIED)).toBeUndefined();
    expect(withoutSlotEntry(value, id(3), 'aaaaaaaa')).toBeUndefined();
    expect(withoutSlotEntry(EMPTY_SLOT, id(1), 'aaaaaaaa')).toBeUndefined();
  });
});
