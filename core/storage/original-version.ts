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
import { generationTokenOf } from '../freshness.ts';
import type { StoredObject } from './object-store.ts';

/** Whether an object read is of the upload a render needs. */
export type VersionCheck = (object: Pick<StoredObject, 'body' | 'etag'>) => boolean;

const md5Of = (body: Buffer) => createHash('md5').update(body).digest('hex');

/** Whether the object is known by an ETag that `matches`: the replica's own first, the MD5 of its bytes only when that does not (42 ms for 25 MiB). */
const knownBy = ({ body, etag }: Pick<StoredObject, 'body' | 'etag'>, matches: (etag: string) => boolean): boolean =>
  (etag !== undefined && matches(etag)) || matches(md5Of(body));

/** The upload whose ETag is `etag` (the render task knows it from the upload event). */
export const isUpload =
  (etag: string): VersionCheck =>
  (object) =>
    knownBy(object, (known) => known === etag);

/** The upload of `key` whose generation token is `token` (the edge knows only the token). */
export const isGeneration =
  (key: string, token: string): VersionCheck =>
  (object) =>
    knownBy(object, (known) => generationTokenOf(`${key}@${known}`) === token);
