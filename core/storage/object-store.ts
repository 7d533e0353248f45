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

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
}

export interface PutOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
}

export interface ReadOptions {
  /** Refuse (SourceTooLarge) instead of reading more than this. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

/** The narrow port every component uses to reach a bucket. */
export interface ObjectStore {
  readonly bucket: string;
  /** undefined when the key does not exist. */
  get(key: string, options: ReadOptions): Promise<StoredObject | undefined>;
  exists(key: string): Promise<boolean>;
  put(key: string, body: Buffer, options: PutOptions): Promise<void>;
  /** Conditional write: never replaces an existing object, so concurrent renders cannot clobber. */
  putIfAbsent(key: string, body: Buffer, options: PutOptions): Promise<'created' | 'exists'>;
  delete(key: string): Promise<void>;
  /** Every key under `prefix`, page by page. */
  list(prefix: string): AsyncIterable<string>;
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

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async get(key: string, options: ReadOptions): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        { abortSignal: options.signal },
      );
      if ((out.ContentLength ?? 0) > options.maxBytes) {
        out.Body?.transformToWebStream().cancel().catch(() => undefined);
        throw new SourceTooLarge(`original is larger than ${options.maxBytes} bytes`);
      }
      const body = await readCapped(out.Body as AsyncIterable<Uint8Array>, options.maxBytes);
      return { body, contentType: out.ContentType, cacheControl: out.CacheControl };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      return translate(err, this.bucket);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (httpStatus(err) === 404) return false;
      return translate(err, this.bucket);
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<void> {
    try {
      await this.client.send(this.putCommand(key, body, options));
    } catch (err) {
      translate(err, this.bucket);
    }
  }

  async putIfAbsent(key: string, body: Buffer, options: PutOptions): Promise<'created' | 'exists'> {
    try {
      await this.client.send(this.putCommand(key, body, options, '*'));
      return 'created';
    } catch (err) {
      // 412: the object exists. 409: a concurrent conditional write is in progress; it will win.
      const status = httpStatus(err);
      if (status === 412 || status === 409) return 'exists';
      return translate(err, this.bucket);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      translate(err, this.bucket);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (err) {
        return translate(err, this.bucket);
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
