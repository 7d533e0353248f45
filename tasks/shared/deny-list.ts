/** The takedown deny-list the viewer function reads (`d:{key}` → DenyEntry, the contract's kvs.ts). */
import { StoreUnavailable } from '../../core/index.ts';
import {
  CloudFrontKeyValueStoreServiceException,
  ConflictException,
  DescribeKeyValueStoreCommand,
  PutKeyCommand,
  type CloudFrontKeyValueStoreClient,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { DenyEntry } from '../../core/index.ts';

export interface DenyListWriter {
  /** `key` is the KeyValueStore key (the contract's `denyKey`). */
  put(key: string, entry: DenyEntry): Promise<void>;
}

/** The local stack's and the tests' deny-list: the same JSON values in a Map. */
export function mapDenyList(map: Map<string, string>): DenyListWriter {
  return {
    async put(key, entry) {
      map.set(key, JSON.stringify(entry));
    },
  };
}

/** Other writers (tenant configs, concurrent takedowns) move the store's ETag between our read and our write. */
const MAX_PUT_ATTEMPTS = 4;

/** A CloudFront KeyValueStore: every write names the store's current ETag, so a racing write makes us re-read it. */
export class KeyValueStoreDenyList implements DenyListWriter {
  constructor(
    private readonly client: CloudFrontKeyValueStoreClient,
    private readonly kvsArn: string,
  ) {}

  async put(key: string, entry: DenyEntry): Promise<void> {
    for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
      try {
        const { ETag } = await this.client.send(new DescribeKeyValueStoreCommand({ KvsARN: this.kvsArn }));
        await this.client.send(new PutKeyCommand({ KvsARN: this.kvsArn, Key: key, Value: JSON.stringify(entry), IfMatch: ETag }));
        return;
      } catch (err) {
        if (isEtagConflict(err)) continue;
        if (isUnavailable(err)) throw new StoreUnavailable(`KeyValueStore ${this.kvsArn} unavailable`, { cause: err });
        throw err;
      }
    }
    throw new StoreUnavailable(`KeyValueStore ${this.kvsArn}: its ETag changed on each of ${MAX_PUT_ATTEMPTS} attempts`);
  }
}

const httpStatus = (err: unknown): number | undefined =>
  err instanceof CloudFrontKeyValueStoreServiceException ? err.$metadata.httpStatusCode : undefined;

const isEtagConflict = (err: unknown): boolean => err instanceof ConflictException || httpStatus(err) === 412;

/** What the workflow should retry (StoreUnavailable is transient there): server faults, throttling, no answer at all. */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof CloudFrontKeyValueStoreServiceException)) return true;
  return err.$fault === 'server' || httpStatus(err) === 429 || err.name === 'ThrottlingException';
}
