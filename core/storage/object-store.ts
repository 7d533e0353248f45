import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AccessDenied, ImgedgeError, SourceTooLarge, StoreUnavailable } from '../errors.ts';
import { deadlineSignal } from './deadline.ts';

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
  /** The ETag the store answered with, unquoted (absent from stores that have none). */
  readonly etag?: string;
  /** User-defined metadata (S3: `x-amz-meta-*`, names lowercased, prefix dropped); absent when it has none. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A call's own budget. Without one, an S3 store gives each call S3_CALL_TIMEOUT_MS. */
export interface CallOptions {
  /** Aborting it fails the call (StoreUnavailable), whatever phase it is in, the body included. */
  readonly signal?: AbortSignal;
}

export interface PutOptions extends CallOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
  /** User-defined metadata, stored with the object and answered with it (StoredObject.metadata). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ReadOptions extends CallOptions {
  /** Refuse (SourceTooLarge) instead of reading more than this. */
  readonly maxBytes: number;
  /** Called once the store starts answering (S3: the response headers arrived), before the body is read. */
  readonly onResponse?: () => void;
}

/** The narrow port every component uses to reach a bucket. */
export interface ObjectStore {
  readonly bucket: string;
  /** undefined when the key does not exist. */
  get(key: string, options: ReadOptions): Promise<StoredObject | undefined>;
  exists(key: string, options?: CallOptions): Promise<boolean>;
  put(key: string, body: Buffer, options: PutOptions): Promise<void>;
  /** Conditional write: never replaces an existing object, so concurrent renders cannot clobber. */
  putIfAbsent(key: string, body: Buffer, options: PutOptions): Promise<'created' | 'exists'>;
  delete(key: string, options?: CallOptions): Promise<void>;
  /** Every key under `prefix`, page by page (`signal` bounds each page). */
  list(prefix: string, options?: CallOptions): AsyncIterable<string>;
}

/** `store` with every call bound to `signal` (a budget for a caller that cannot pass one itself). */
export function withCallSignal(store: ObjectStore, signal: AbortSignal): ObjectStore {
  return {
    bucket: store.bucket,
    get: (key, options) => store.get(key, { ...options, signal }),
    exists: (key) => store.exists(key, { signal }),
    put: (key, body, options) => store.put(key, body, { ...options, signal }),
    putIfAbsent: (key, body, options) => store.putIfAbsent(key, body, { ...options, signal }),
    delete: (key) => store.delete(key, { signal }),
    list: (prefix) => store.list(prefix, { signal }),
  };
}

const httpStatus = (err: unknown): number | undefined =>
  err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;

/**
 * Translates SDK failures once, here: a missing key is not an error, a 403 is
 * a missing grant (every role that reads may also list, so S3 answers 404, not
 * 403, for a missing key: docs/aws-limits.md), anything else unavailability.
 */
function translate(err: unknown, bucket: string): never {
  if (err instanceof ImgedgeError) throw err;
  if (httpStatus(err) === 403) throw new AccessDenied(`bucket ${bucket}: access denied`, { cause: err });
  throw new StoreUnavailable(`bucket ${bucket} unavailable`, { cause: err });
}

/**
 * What one S3 call (every attempt, backoff and the body) may take when its caller
 * sets no budget of its own: an AbortSignal on `client.send` (core/storage/deadline.ts,
 * layer 2). Long enough for two attempts and a 25 MiB original in-region, short
 * enough that a task (30 s and more, tasks/registry.ts) reports the store as
 * unavailable, which its workflow retries, instead of timing out itself.
 */
export const S3_CALL_TIMEOUT_MS = 10_000;

export interface S3ObjectStoreOptions {
  /** The budget of a call whose caller passes no signal (default S3_CALL_TIMEOUT_MS). */
  readonly callTimeoutMs?: number;
}

export class S3ObjectStore implements ObjectStore {
  private readonly callTimeoutMs: number;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    options: S3ObjectStoreOptions = {},
  ) {
    this.callTimeoutMs = options.callTimeoutMs ?? S3_CALL_TIMEOUT_MS;
  }

  /** The caller's signal, or this store's per-call deadline; `clear` when the call is over. */
  private budget(options: CallOptions | undefined, call: string): { signal: AbortSignal; clear(): void } {
    if (options?.signal) return { signal: options.signal, clear: () => undefined };
    return deadlineSignal(this.callTimeoutMs, `S3 ${call} in ${this.bucket}`);
  }

  async get(key: string, options: ReadOptions): Promise<StoredObject | undefined> {
    const { signal, clear } = this.budget(options, 'GetObject');
    try {
      // The signal stays on the request while the body is read: aborting it fails the body too.
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      options.onResponse?.();
      if ((out.ContentLength ?? 0) > options.maxBytes) {
        out.Body?.transformToWebStream().cancel().catch(() => undefined);
        throw new SourceTooLarge(`original is larger than ${options.maxBytes} bytes`);
      }
      const body = await readCapped(out.Body as AsyncIterable<Uint8Array>, options.maxBytes);
      const metadata = out.Metadata && Object.keys(out.Metadata).length > 0 ? out.Metadata : undefined;
      return { body, contentType: out.ContentType, cacheControl: out.CacheControl, ...(out.ETag && { etag: out.ETag.replace(/"/g, '') }), ...(metadata && { metadata }) };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      return translate(err, this.bucket);
    } finally {
      clear();
    }
  }

  async exists(key: string, options?: CallOptions): Promise<boolean> {
    const { signal, clear } = this.budget(options, 'HeadObject');
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return true;
    } catch (err) {
      if (httpStatus(err) === 404) return false;
      return translate(err, this.bucket);
    } finally {
      clear();
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<void> {
    const { signal, clear } = this.budget(options, 'PutObject');
    try {
      await this.client.send(this.putCommand(key, body, options), { abortSignal: signal });
    } catch (err) {
      translate(err, this.bucket);
    } finally {
      clear();
    }
  }

  async putIfAbsent(key: string, body: Buffer, options: PutOptions): Promise<'created' | 'exists'> {
    const { signal, clear } = this.budget(options, 'PutObject');
    try {
      await this.client.send(this.putCommand(key, body, options, '*'), { abortSignal: signal });
      return 'created';
    } catch (err) {
      // 412: the object exists. 409: a concurrent conditional write is in progress; it will win.
      const status = httpStatus(err);
      if (status === 412 || status === 409) return 'exists';
      return translate(err, this.bucket);
    } finally {
      clear();
    }
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    const { signal, clear } = this.budget(options, 'DeleteObject');
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    } catch (err) {
      translate(err, this.bucket);
    } finally {
      clear();
    }
  }

  async *list(prefix: string, options?: CallOptions): AsyncIterable<string> {
    let token: string | undefined;
    do {
      let page;
      const { signal, clear } = this.budget(options, 'ListObjectsV2');
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal });
      } catch (err) {
        return translate(err, this.bucket);
      } finally {
        clear();
      }
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private putCommand(key: string, body: Buffer, options: PutOptions, ifNoneMatch?: '*'): PutObjectCommand {
    return new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType,
      CacheControl: options.cacheControl,
      Metadata: options.metadata,
      IfNoneMatch: ifNoneMatch,
    });
  }
}

async function readCapped(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new SourceTooLarge(`original is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
