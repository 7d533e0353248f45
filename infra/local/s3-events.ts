/**
 * S3 "Object Created" as EventBridge delivers it to the upload workflow
 * (docs/aws-limits.md: S3 → EventBridge). Keys are URL-encoded the way S3 event
 * notifications encode them, `+` for a space, so the validate task's decoding is
 * exercised locally exactly as on AWS.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT } from './local-aws.ts';

export interface ObjectCreatedDetail {
  readonly version: '0';
  readonly bucket: { readonly name: string };
  readonly object: { readonly key: string; readonly size: number; readonly etag: string; readonly sequencer: string };
  readonly 'request-id': string;
  readonly requester: string;
  readonly reason: 'PutObject';
}

export interface ObjectCreatedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Object Created';
  readonly source: 'aws.s3';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: ObjectCreatedDetail;
}


/** S3 notification key encoding: form-encoding with `+` for space, `/` left as is. */
export const encodeEventKey = (key: string): string => encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/');
export const decodeEventKey = (key: string): string => decodeURIComponent(key.replaceAll('+', ' '));

/** Sequencers a millisecond holds: they stay unique and growing at any local upload rate. */
const PER_MILLISECOND = 1_000_000n;
let last = 0n;
/**
 * S3 sequencers are hex strings that sort in event order for one key. From the clock, so a
 * sequencer of this process is later than any of an earlier one, whose uploads the kept
 * originals table remembers (a per-process counter would start below them after a restart).
 */
export function nextSequencer(now = Date.now()): string {
  const fromClock = BigInt(now) * PER_MILLISECOND;
  last = fromClock > last ? fromClock : last + 1n;
  return last.toString(16).toUpperCase().padStart(16, '0');
}

export function objectCreatedEvent(object: { region: string; bucket: string; key: string; etag: string; size: number }): ObjectCreatedEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: object.region,
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail: {
      version: '0',
      bucket: { name: object.bucket },
      object: { key: encodeEventKey(object.key), size: object.size, etag: object.etag, sequencer: nextSequencer() },
      'request-id': randomUUID(),
      requester: LOCAL_ACCOUNT,
      reason: 'PutObject',
    },
  };
}
