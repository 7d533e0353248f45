import type { ObjectStore, PutOptions, ReadOptions, StoredObject } from '../../core/storage/index.ts';
import { SourceTooLarge } from '../../core/index.ts';

/** A small in-memory ObjectStore for unit tests; `fail` makes every call throw it. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly calls: string[] = [];
  fail: Error | undefined;

  constructor(readonly bucket = 'memory') {}

  private enter(call: string) {
    this.calls.push(call);
    if (this.fail) throw this.fail;
  }

  async get(key: string, options: ReadOptions): Promise<StoredObject | undefined> {
    this.enter(`get ${key}`);
    const object = this.objects.get(key);
    if (object && object.body.length > options.maxBytes) throw new SourceTooLarge('too large');
    return object;
  }

  async exists(key: string): Promise<boolean> {
    this.enter(`exists ${key}`);
    return this.objects.has(key);
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<void> {
    this.enter(`put ${key}`);
    this.objects.set(key, stored(body, options));
  }

  async putIfAbsent(key: string, body: Buffer, options: PutOptions): Promise<'created' | 'exists'> {
    this.enter(`putIfAbsent ${key}`);
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, stored(body, options));
    return 'created';
  }

  async delete(key: string): Promise<void> {
    this.enter(`delete ${key}`);
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    this.enter(`list ${prefix}`);
    for (const key of this.objects.keys()) if (key.startsWith(prefix)) yield key;
  }
}

const stored = (body: Buffer, options: PutOptions): StoredObject => ({
  body,
  contentType: options.contentType,
  cacheControl: options.cacheControl,
  ...(options.metadata && { metadata: options.metadata }),
});
