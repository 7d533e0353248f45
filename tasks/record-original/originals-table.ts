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
 * event is recorded later than the upload that replaced it.
 */
import { StoreUnavailable } from '../../core/index.ts';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { SourceFormat } from '../../core/transform/index.ts';
import { conditionalWrite } from '../shared/conditional-write.ts';

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
}

export type PutOriginalResult =
  | { readonly written: true; readonly previous: OriginalItem | undefined }
  | { readonly written: false };

/** Writes the item unless its upload is already recorded or a later upload of the key is. */
export async function putOriginal(table: OriginalsTable, item: OriginalItem): Promise<PutOriginalResult> {
  const out = await conditionalWrite(
    table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: item,
        ConditionExpression:
          'attribute_not_exists(#key) OR ((#etag <> :etag OR #status <> :accepted) AND (attribute_not_exists(#sequencer) OR #sequencer < :sequencer))',
        ExpressionAttributeNames: { '#key': 'key', '#etag': 'etag', '#status': 'status', '#sequencer': 'sequencer' },
        ExpressionAttributeValues: { ':etag': item.etag, ':accepted': 'accepted', ':sequencer': item.sequencer },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  ).catch((err: unknown) => {
    throw new StoreUnavailable(`table ${table.name} unavailable`, { cause: err });
  });
  return out ? { written: true, previous: out.Attributes as OriginalItem | undefined } : { written: false };
}

/** Whether `etag` is the key's current accepted upload: what a render may still store variants for. */
export async function isCurrentUpload(table: OriginalsTable, key: string, etag: string): Promise<boolean> {
  const out = await table.client.send(new GetCommand({ TableName: table.name, Key: { key }, ConsistentRead: true })).catch((err: unknown) => {
    throw new StoreUnavailable(`table ${table.name} unavailable`, { cause: err });
  });
  const item = out.Item as OriginalItem | undefined;
  return item?.status === 'accepted' && item.etag === etag;
}
