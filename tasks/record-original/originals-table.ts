/**
 * The originals table (docs/pipeline.md: Tables): one item per original key,
 * written by record-original (accepted) and quarantine-original (quarantined).
 *
 * Ordering: S3 delivers events at least once and not necessarily in order, so
 * every write is conditional on the upload's S3 sequencer, which for one key
 * grows with each PUT (S3 event notifications: "sequencer"). An item is only
 * ever replaced by a later upload of its key, never by a replay of the same
 * upload nor by a late event of an earlier one; a later upload of the same bytes
 * replaces only an item that is not accepted (a taken-down or quarantined one:
 * uploading the image again brings it back). recordedAt cannot do this: a late
 * event is recorded later than the upload that replaced it. A replay of an
 * upload's own write answers as its first run did (putOriginal).
 */
import { FRESHNESS_WINDOW_SECONDS, StoreUnavailable } from '../../core/index.ts';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { SourceFormat } from '../../core/transform/index.ts';
import { dynamoCall, writeIf } from '../shared/conditional-write.ts';

/** Hex digits a sequencer is padded to: S3 sequencers of one key compare as strings once left-padded to one width. */
const SEQUENCER_WIDTH = 64;

/** `detail.object.sequencer` of the S3 event, normalized so that DynamoDB's string `<` orders uploads. */
export const sequencer = z
  .string()
  .regex(new RegExp(`^[0-9A-Fa-f]{1,${SEQUENCER_WIDTH}}$`), 'expected the S3 event sequencer (hex)')
  .transform((hex) => hex.toUpperCase().padStart(SEQUENCER_WIDTH, '0'));

export interface OriginalsTable {
  readonly client: DynamoDBDocumentClient;
  readonly name: string;
}

export interface OriginalItem {
  readonly key: string;
  readonly status: 'accepted' | 'quarantined' | 'taken-down';
  readonly etag: string;
  readonly sequencer: string;
  /** ISO time of the write. */
  readonly recordedAt: string;
  readonly format?: SourceFormat;
  readonly width?: number;
  readonly height?: number;
  readonly bytes?: number;
  readonly reason?: string;
  /** Another upload of the key was recorded before this one: what a replay of its write answers. */
  readonly replaced?: boolean;
}

export type PutOriginalResult =
  | { readonly written: true; readonly replaced: boolean }
  | { readonly written: false };

/** Reads and writes of one putOriginal before a key this busy is left to the workflow's retry. */
export const MAX_PUT_ORIGINAL_ATTEMPTS = 5;
/**
 * How long after its write a replay of an upload still goes on as its first run would have:
 * less than the freshness window, after which that run's expiry removes the generation entry
 * and its variants; a replay then (a late duplicate event, a redrive days later) would write
 * the entry again with no expiry left to remove it, so it is nothing new, as before.
 */
export const REPLAY_WINDOW_SECONDS = FRESHNESS_WINDOW_SECONDS - 3600;

const sameUpload = (a: Pick<OriginalItem, 'etag' | 'sequencer'>, b: Pick<OriginalItem, 'etag' | 'sequencer'>) => a.etag === b.etag && a.sequencer === b.sequencer;

/**
 * Writes the item unless a later upload of the key is recorded, or the same bytes are
 * accepted already. The item keeps whether it replaced another (`replaced`), so a replay
 * of this very upload, whose first run wrote and then died (a crash, a timeout) before its
 * idempotency record said so, answers what that run would have: written, and replaced or
 * not, within REPLAY_WINDOW_SECONDS. The item is read first and the write is conditional on it being unchanged, so
 * `replaced` is exactly what was there; a write that lost a race reads again.
 */
export async function putOriginal(table: OriginalsTable, item: Omit<OriginalItem, 'replaced'>, now = Date.now()): Promise<PutOriginalResult> {
  for (let attempt = 1; attempt <= MAX_PUT_ORIGINAL_ATTEMPTS; attempt++) {
    const current = await getOriginal(table, item.key);
    if (current && sameUpload(current, item)) {
      const replaying = current.status === item.status && now - Date.parse(current.recordedAt) < REPLAY_WINDOW_SECONDS * 1000;
      return replaying ? { written: true, replaced: current.replaced === true } : { written: false };
    }
    if (current && (current.sequencer >= item.sequencer || (current.etag === item.etag && current.status === 'accepted'))) return { written: false };
    const written = await writeIf(
      table.name,
      table.client.send(new PutCommand({ TableName: table.name, Item: { ...item, replaced: current !== undefined }, ...unchangedSince(current) })),
    );
    if (written) return { written: true, replaced: current !== undefined };
  }
  throw new StoreUnavailable(`table ${table.name}: ${item.key} changed under each of ${MAX_PUT_ORIGINAL_ATTEMPTS} writes`);
}

/** The condition that the key's item is still `read` (or still absent). */
function unchangedSince(read: OriginalItem | undefined): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  if (!read) return { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': 'key' } };
  // An item written before sequencers were recorded has none.
  const sequencer = read.sequencer === undefined ? 'attribute_not_exists(#sequencer)' : '#sequencer = :sequencer';
  return {
    ConditionExpression: `#etag = :etag AND ${sequencer} AND #status = :status`,
    ExpressionAttributeNames: { '#etag': 'etag', '#sequencer': 'sequencer', '#status': 'status' },
    ExpressionAttributeValues: { ':etag': read.etag, ':status': read.status, ...(read.sequencer !== undefined && { ':sequencer': read.sequencer }) },
  };
}

async function getOriginal(table: OriginalsTable, key: string): Promise<OriginalItem | undefined> {
  const out = await dynamoCall(table.name, table.client.send(new GetCommand({ TableName: table.name, Key: { key }, ConsistentRead: true })));
  return out.Item as OriginalItem | undefined;
}

/** Whether `etag` is the key's current accepted upload: what a render may still store variants for. */
export async function isCurrentUpload(table: OriginalsTable, key: string, etag: string): Promise<boolean> {
  const item = await getOriginal(table, key);
  return item?.status === 'accepted' && item.etag === etag;
}
