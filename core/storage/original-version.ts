/**
 * Which upload of an original a read returned. A replica that lags (S3 replication is
 * asynchronous, docs/aws-limits.md §D) answers the key with an earlier upload's bytes, so a
 * render that must be of one upload checks what it read. An upload's ETag is the MD5 of its
 * bytes when it was a single-part PUT to an SSE-S3 bucket (docs/aws-limits.md §D, "Object ETag"),
 * which holds in every region whatever the replica's own metadata says; a multipart upload's
 * ETag is not an MD5, and is matched by the ETag the replica answers (replication keeping it
 * is not documented: a replica that does not keep it reads as one that does not have the
 * upload yet, so the read moves to the next region or answers 503, never the wrong bytes).
 */
import { createHash } from 'node:crypto';
import { FOCUS_METADATA, formatFocalPoint, parseFocalPoint } from '../contract/index.ts';
import { generationTokenOf } from '../freshness.ts';
import type { StoredObject } from './object-store.ts';

/** Whether an object read is of the upload a render needs. */
export type VersionCheck = (object: Pick<StoredObject, 'body' | 'etag' | 'metadata'>) => boolean;

/**
 * An upload's version, what the pipeline calls its `etag`: the ETag, and after `~` the focal
 * point when the upload carries one (core/contract/focus.ts). The same bytes with another focal
 * point are another upload (a new generation, new crops); without one it is the ETag alone, as
 * before focal points existed.
 */
export const uploadVersion = (etag: string, focus: string | undefined): string => (focus === undefined ? etag : `${etag}~${focus}`);

/** The focal point an object's metadata names, spelled as the contract spells it; undefined when none (or malformed: validate-original refuses such an upload). */
export function focusOf(object: Pick<StoredObject, 'metadata'>): string | undefined {
  const focus = parseFocalPoint(object.metadata?.[FOCUS_METADATA]);
  return focus === undefined ? undefined : formatFocalPoint(focus);
}

const md5Of = (body: Buffer) => createHash('md5').update(body).digest('hex');

/** Whether the object is known by a version that `matches`: by the replica's own ETag first, the MD5 of its bytes only when that does not (42 ms for 25 MiB). */
const knownBy = (object: Pick<StoredObject, 'body' | 'etag' | 'metadata'>, matches: (version: string) => boolean): boolean => {
  const focus = focusOf(object);
  return (object.etag !== undefined && matches(uploadVersion(object.etag, focus))) || matches(uploadVersion(md5Of(object.body), focus));
};

/** The upload whose version is `version` (the render task knows it from the upload workflow). */
export const isUpload =
  (version: string): VersionCheck =>
  (object) =>
    knownBy(object, (known) => known === version);

/** The upload of `key` whose generation token is `token` (the edge knows only the token). */
export const isGeneration =
  (key: string, token: string): VersionCheck =>
  (object) =>
    knownBy(object, (known) => generationTokenOf(`${key}@${known}`) === token);
