/**
 * The freshness entries the viewer function reads (core/contract/freshness.ts): an
 * original's generation token, or DENIED, in its slot of the KeyValueStore. Every
 * write is a read-modify-write of one slot value.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { freshnessAddressOf, MAX_SLOT_ENTRIES, SlotFull, slotEntry, StoreUnavailable, withoutSlotEntry, withSlotEntry, type FreshnessAddress } from '../../core/index.ts';
import {
  CloudFrontKeyValueStoreServiceException,
  ConflictException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  PutKeyCommand,
  type CloudFrontKeyValueStoreClient,
} from '@aws-sdk/client-cloudfront-keyvaluestore';

/**
 * Whether the write may still happen, asked after the store's ETag is read: a write racing it
 * moves the ETag, so our PutKey fails and the question is asked again.
 */
export type WriteGuard = () => Promise<boolean>;

const always: WriteGuard = async () => true;

export interface FreshnessEntries {
  /** Sets the original's entry to `token` (a generation token or DENIED), unless `guard` says no; whether it did. */
  set(originalKey: string, token: string, guard?: WriteGuard): Promise<FreshnessAddress & { readonly written: boolean }>;
  /** The original's entry (a generation token or DENIED), or undefined. */
  get(originalKey: string): Promise<string | undefined>;
  /** Removes the original's entry while it is `token`; whether it did (a later change's entry, or none, stays as it is). */
  remove(originalKey: string, token: string): Promise<FreshnessAddress & { readonly removed: boolean }>;
}

/** Reads a slot's value and writes it back changed; a store that lost a slot is broken, never empty. */
interface SlotStore {
  read(slotKey: string): Promise<string>;
  /** false when the guard refused. */
  change(slotKey: string, change: (value: string) => string, guard: WriteGuard): Promise<boolean>;
}

function entriesIn(store: SlotStore): FreshnessEntries {
  return {
    async set(originalKey, token, guard = always) {
      const { slotKey, id } = freshnessAddressOf(originalKey);
      const written = await store.change(
        slotKey,
        (value) => {
          const next = withSlotEntry(value, id, token);
          if (next === undefined) throw new SlotFull(`slot of ${originalKey} holds ${MAX_SLOT_ENTRIES} entries already`);
          return next;
        },
        guard,
      );
      return { slotKey, id, written };
    },
    async get(originalKey) {
      const { slotKey, id } = freshnessAddressOf(originalKey);
      return slotEntry(await store.read(slotKey), id);
    },
    async remove(originalKey, token) {
      const { slotKey, id } = freshnessAddressOf(originalKey);
      let removed = false;
      await store.change(
        slotKey,
        (value) => {
          const next = withoutSlotEntry(value, id, token);
          removed = next !== undefined;
          return next ?? value;
        },
        always,
      );
      return { slotKey, id, removed };
    },
  };
}

/** The local stack's and the tests' store: the slot values in a Map (seeded with every slot). */
export function mapFreshnessEntries(map: Map<string, string>): FreshnessEntries {
  const slot = (slotKey: string) => {
    const value = map.get(slotKey);
    if (value === undefined) throw new Error(`KeyValueStore has no slot ${slotKey}: it was not seeded`);
    return value;
  };
  return entriesIn({
    read: async (slotKey) => slot(slotKey),
    async change(slotKey, change, guard) {
      if (!(await guard())) return false;
      const value = slot(slotKey);
      const next = change(value);
      if (next !== value) map.set(slotKey, next);
      return true;
    },
  });
}

/**
 * Other writers (tenant configs, concurrent takedowns and uploads) move the store's one ETag
 * between our read and our write. Retried at once, 20 concurrent takedowns kept colliding until
 * some ran out of attempts; between attempts each waits a random time under a doubling bound
 * (full jitter), 25 ms at first, 3.2 s in all at most.
 */
export const MAX_PUT_ATTEMPTS = 8;
const CONFLICT_BACKOFF_MS = 25;

/** A CloudFront KeyValueStore: every write names the store's current ETag, so a racing write makes us read the slot again. */
export function keyValueStoreFreshnessEntries(client: CloudFrontKeyValueStoreClient, kvsArn: string): FreshnessEntries {
  const read = async (slotKey: string) => {
    const { Value } = await client.send(new GetKeyCommand({ KvsARN: kvsArn, Key: slotKey }));
    if (Value === undefined) throw new Error(`KeyValueStore ${kvsArn} answered slot ${slotKey} without a value`);
    return Value;
  };
  /** What a failed call is to the workflow: StoreUnavailable (retried) when the store could not answer. */
  const translated = (err: unknown) => (isUnavailable(err) ? new StoreUnavailable(`KeyValueStore ${kvsArn} unavailable`, { cause: err }) : err);
  return entriesIn({
    read: (slotKey) =>
      read(slotKey).catch((err: unknown) => {
        throw translated(err);
      }),
    async change(slotKey, change, guard) {
      for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
        try {
          const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
          if (!(await guard())) return false;
          const Value = await read(slotKey);
          const next = change(Value);
          if (next === Value) return true;
          await client.send(new PutKeyCommand({ KvsARN: kvsArn, Key: slotKey, Value: next, IfMatch: ETag }));
          return true;
        } catch (err) {
          if (err instanceof StoreUnavailable) throw err; // the guard's own store
          if (isEtagConflict(err)) {
            if (attempt < MAX_PUT_ATTEMPTS) await sleep(Math.random() * CONFLICT_BACKOFF_MS * 2 ** (attempt - 1));
            continue;
          }
          throw translated(err);
        }
      }
      throw new StoreUnavailable(`KeyValueStore ${kvsArn}: its ETag changed on each of ${MAX_PUT_ATTEMPTS} attempts`);
    },
  });
}

const httpStatus = (err: unknown): number | undefined =>
  err instanceof CloudFrontKeyValueStoreServiceException ? err.$metadata.httpStatusCode : undefined;

const isEtagConflict = (err: unknown): boolean => err instanceof ConflictException || httpStatus(err) === 412;

/** What the workflow should retry (StoreUnavailable is transient there): server faults, throttling, no answer at all. */
function isUnavailable(err: unknown): boolean {
  if (err instanceof SlotFull) return false;
  if (!(err instanceof CloudFrontKeyValueStoreServiceException)) return true;
  return err.$fault === 'server' || httpStatus(err) === 429 || err.name === 'ThrottlingException';
}
