/**
 * s3rver's filesystem store, made as consistent as S3 (strong read-after-write:
 * docs/aws-limits.md §D, "S3 consistency"). s3rver 3.7.1's own store
 *  - answers a PUT before its bytes reach the disk (it resolves when its hashing
 *    stream ends, not when the file is written), and writes the metadata after;
 *  - truncates the object file in place, so a reader during an overwrite gets an
 *    empty or partial body;
 *  - leaves the write stream without an error handler and prunes emptied folders
 *    while other keys are written into them: a delete beside a write reset the
 *    connection (ENOENT) or crashed the process.
 * The stack served just-written variants as empty `200 binary/octet-stream`.
 * Here a PUT (and a copy) stages the whole body outside the bucket first, then,
 * holding its key, writes the metadata and renames the object into place, each
 * file written whole and renamed into place, so a listing (which takes no key)
 * never reads half a file; a GET holds the key while it opens the object, so it
 * sees one whole version. An open file keeps its bytes when a rename replaces it
 * (POSIX), so a read in progress finishes with the version it opened.
 * A crash leaves no half-placed object either: the three renames of a put (and
 * the unlinks of a delete) are written down first (an intent, in the staging
 * folder), and the intent stays until the request that made the change has
 * been answered, after s3rver announced it (its event, which starts the upload
 * workflow and replication: `intentsOfRequest`). `recover()`, run
 * before the store serves, finishes every change whose intent it finds and
 * keeps it for `recovered` to announce again once the stack listens (a change
 * made but never announced would be an original no workflow validated and no
 * replica has); the rest of the staging folder (bodies of puts that never
 * answered) is cleared.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KeyLocks } from './key-locks.ts';

/** The parts of s3rver's FilesystemStore (lib/stores/filesystem.js, untyped) this one builds on. */
interface FilesystemStore {
  readonly rootDirectory: string;
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  /** The object's headers as s3rver answers them (`etag` quoted); throws ENOENT for a missing key. */
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
}
interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
  readonly metadata: Record<string, string>;
  readonly content: Buffer | Readable;
}
type FilesystemStoreClass = new (rootDirectory: string) => FilesystemStore;

const require = createRequire(import.meta.url);
const BaseStore = require('s3rver/lib/stores/filesystem') as FilesystemStoreClass;
/** The request headers s3rver keeps as an object's metadata, besides x-amz-meta-* (its models/object.js). */
const { ALLOWED_METADATA } = require('s3rver/lib/models/object') as { ALLOWED_METADATA: readonly string[] };

/** Tries at placing an object whose folder a concurrent delete keeps pruning. */
const PLACE_ATTEMPTS = 5;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Staged file → its place in the bucket. */
type Move = readonly [from: string, to: string];
const INTENT_SUFFIX = '.intent.json';
/** A change to one key, written down before it is made: a put's moves, or a delete. */
interface Intent {
  readonly bucket: string;
  readonly key: string;
  readonly moves?: readonly Move[];
}
/** A change `recover()` finished (or found finished), for the stack to announce again. */
export interface RecoveredChange {
  readonly bucket: string;
  readonly key: string;
  readonly created: boolean;
}
const OBJECT_FILES = ['object', 'object.md5', 'metadata.json'];

/**
 * The intents of the changes the current request made: the emulator runs each request in one
 * and removes them once it is answered (s3rver emits its event before it answers). A change
 * made outside a request keeps its intent: the next start announces it again.
 */
export const intentsOfRequest = new AsyncLocalStorage<string[]>();
const madeUnannounced = (intent: string) => intentsOfRequest.getStore()?.push(intent);

/** The metadata s3rver keeps of a request's headers. */
const keptMetadata = (metadata: Record<string, string>) =>
  Object.fromEntries(Object.entries(metadata).filter(([name]) => ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')));

export class ConsistentFilesystemStore extends BaseStore {
  private readonly locks = new KeyLocks();
  /** What recover() finished, with its intent, until it is announced again. */
  private recoveredChanges: Array<RecoveredChange & { readonly intent: string }> = [];

  /** `staging` must be on the same filesystem as `rootDirectory` and outside it (renames, bucket listing). */
  constructor(
    rootDirectory: string,
    private readonly staging: string,
  ) {
    super(rootDirectory);
  }

  override getObject(bucket: string, key: string, options?: unknown): Promise<unknown> {
    return this.locks.hold(`${bucket}/${key}`, () => super.getObject(bucket, key, options));
  }

  async putObject(object: S3rverObject): Promise<{ size: number; md5: string }> {
    const staged = await this.stagingPath();
    const hash = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      await pipeline(content, measure, createWriteStream(staged));
      const md5 = hash.digest('hex');
      await this.locks.hold(`${object.bucket}/${object.key}`, () => this.place(object, staged, md5));
      return { size, md5 };
    } finally {
      await rm(staged, { force: true });
    }
  }

  /** Source and destination are held one after the other, never together: two copies the other way round cannot deadlock. */
  async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacement?: Record<string, string>): Promise<unknown> {
    const staged = await this.stagingPath();
    try {
      const source = await this.locks.hold(`${srcBucket}/${srcKey}`, async () => {
        const [metadata, md5] = await Promise.all([
          readFile(this.getResourcePath(srcBucket, srcKey, 'metadata.json'), 'utf8').then((json) => JSON.parse(json) as Record<string, string>),
          readFile(this.getResourcePath(srcBucket, srcKey, 'object.md5'), 'utf8'),
          copyFile(this.getResourcePath(srcBucket, srcKey, 'object'), staged),
        ]);
        return { metadata, md5 };
      });
      await this.locks.hold(`${destBucket}/${destKey}`, () => this.place({ bucket: destBucket, key: destKey, metadata: replacement ?? source.metadata }, staged, source.md5));
      return await this.getMetadata(destBucket, destKey);
    } finally {
      await rm(staged, { force: true });
    }
  }

  /** s3rver's own writes both files in place, where a listing reads them without the key. */
  async putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void> {
    if (md5) await this.writeWhole(this.getResourcePath(bucket, key, 'object.md5'), md5);
    await this.writeWhole(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(keptMetadata(metadata), null, 2));
  }

  private async stagingPath(): Promise<string> {
    await mkdir(this.staging, { recursive: true });
    return join(this.staging, randomUUID());
  }

  private async writeWhole(path: string, data: string): Promise<void> {
    const staged = await this.stagingPath();
    try {
      await writeFile(staged, data);
      await rename(staged, path);
    } finally {
      await rm(staged, { force: true });
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.locks.hold(`${bucket}/${key}`, async () => {
      const intent = await this.intend({ bucket, key });
      await this.unlinkObject(bucket, key);
      madeUnannounced(intent);
    });
    await this.pruneEmptyFolders(bucket, key);
  }

  /** The object first: without it the key is not there, whatever else a crash leaves. */
  private async unlinkObject(bucket: string, key: string): Promise<void> {
    for (const resource of OBJECT_FILES) {
      await unlink(this.getResourcePath(bucket, key, resource)).catch((err: unknown) => {
        if (code(err) !== 'ENOENT') throw err;
      });
    }
  }

  /**
   * Metadata first, then the object: a reader holding the key next sees both or (a new key)
   * neither. The moves are written down before they start, so a crash among them is finished
   * by the next start (recover) rather than leaving new metadata over old bytes.
   */
  private async place(object: Omit<S3rverObject, 'content'>, staged: string, md5: string): Promise<void> {
    const target = (resource: string) => this.getResourcePath(object.bucket, object.key, resource);
    const md5File = await this.stagingPath();
    const metadataFile = await this.stagingPath();
    try {
      await writeFile(md5File, md5);
      await writeFile(metadataFile, JSON.stringify(keptMetadata(object.metadata), null, 2));
      const moves: Move[] = [[md5File, target('object.md5')], [metadataFile, target('metadata.json')], [staged, target('object')]];
      const intent = await this.intend({ bucket: object.bucket, key: object.key, moves });
      await this.move(moves);
      madeUnannounced(intent);
    } finally {
      await Promise.all([md5File, metadataFile].map((file) => rm(file, { force: true })));
    }
  }

  private async move(moves: readonly Move[]): Promise<void> {
    for (const [from, to] of moves) {
      for (let attempt = 1; ; attempt++) {
        try {
          await mkdir(dirname(to), { recursive: true });
          await rename(from, to);
          break;
        } catch (err) {
          if (code(err) !== 'ENOENT') throw err;
          // Moved already (a recovery after the crash moved it), or a delete of a neighbour pruned the folder meanwhile.
          if (!(await exists(from))) break;
          if (attempt === PLACE_ATTEMPTS) throw err;
        }
      }
    }
  }

  private async intend(intent: Intent): Promise<string> {
    const path = join(this.staging, `${randomUUID()}${INTENT_SUFFIX}`);
    await this.writeWhole(path, JSON.stringify(intent));
    return path;
  }

  /**
   * The changes recover() finished, for the stack to announce again once it listens (each
   * may or may not have been announced before the crash: a second event is as S3's at-least-once
   * delivery); their intents go once `announce` has run.
   */
  async announceRecovered(announce: (change: RecoveredChange) => Promise<void>): Promise<void> {
    const changes = this.recoveredChanges;
    this.recoveredChanges = [];
    for (const change of changes) {
      await announce(change);
      await rm(change.intent, { force: true });
    }
  }

  /** Whether the key's object was placed after the intent was written (its body was staged later). */
  private async placedSince(intent: Intent, path: string): Promise<boolean> {
    const [written, object] = await Promise.all([stat(path), stat(this.getResourcePath(intent.bucket, intent.key, 'object')).catch(() => undefined)]);
    return object !== undefined && object.mtimeMs > written.mtimeMs;
  }

  /** Before serving: finishes every change a crash left with its intent written (into `recovered`), and clears what else is staged. */
  async recover(): Promise<void> {
    await mkdir(this.staging, { recursive: true });
    const names = await readdir(this.staging);
    const intents = new Set(names.filter((n) => n.endsWith(INTENT_SUFFIX)));
    for (const name of intents) {
      const intent = JSON.parse(await readFile(join(this.staging, name), 'utf8')) as Intent;
      if (intent.moves) await this.move(intent.moves);
      else if (await this.placedSince(intent, join(this.staging, name))) {
        await rm(join(this.staging, name), { force: true }); // a later put of the key stands
        continue;
      } else await this.unlinkObject(intent.bucket, intent.key);
      this.recoveredChanges.push({ bucket: intent.bucket, key: intent.key, created: intent.moves !== undefined, intent: join(this.staging, name) });
    }
    // Then what is left: bodies of puts that never wrote their intent (never answered).
    await Promise.all(names.filter((name) => !intents.has(name)).map((name) => rm(join(this.staging, name), { force: true })));
  }

  /** S3 has no folders; s3rver's do not outlive their last object. A folder written into meanwhile stays. */
  private async pruneEmptyFolders(bucket: string, key: string): Promise<void> {
    const parts = key.split('/').slice(0, -1);
    for (; parts.length > 0; parts.pop()) {
      try {
        await rmdir(join(this.getBucketPath(bucket), ...parts));
      } catch (err) {
        if (code(err) === 'ENOTEMPTY' || code(err) === 'ENOENT' || code(err) === 'EEXIST') return;
        throw err;
      }
    }
  }
}
