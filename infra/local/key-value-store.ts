/**
 * The CloudFront KeyValueStore API over the Map the viewer function reads,
 * for the deployed task code (put-deny-entry, plan-variants) behind the IAM
 * gate: DescribeKeyValueStore, GetKey, PutKey and DeleteKey, with the store's
 * ETag moving on every write, whoever made it (a write naming an old ETag is
 * a ConflictException, as in the service) and a key or value past the
 * store's limits a ValidationException. The wire format is the SDK's
 * (REST-JSON, @aws-sdk/client-cloudfront-keyvaluestore).
 */
import type { AppendLog } from './append-log.ts';
import { kvsTarget, type SignedRequest } from './iam-actions.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';

export const LOCAL_KVS_ARN = `arn:aws:cloudfront::${LOCAL_ACCOUNT}:key-value-store/00000000-0000-4000-8000-00000000edge`;

/** One write to the store: a value, or null for a delete. */
type Change = readonly [key: string, value: string | null];

/**
 * A Map that counts its writes (the store's ETag) and, given a log, appends each
 * write to it before it returns, so a restart (or a crash) finds the store as it
 * was: the log is replayed over `entries`, then compacted to the store's contents.
 */
export class VersionedMap extends Map<string, string> {
  version = 0;
  private readonly log: AppendLog<Change> | undefined;

  constructor(entries?: Iterable<readonly [string, string]>, log?: AppendLog<Change>) {
    super(entries);
    for (const [key, value] of log?.read() ?? []) {
      if (value === null) super.delete(key);
      else super.set(key, value);
    }
    log?.rewrite([...this]);
    this.log = log;
  }

  override set(key: string, value: string): this {
    this.version++;
    this.log?.append([key, value]);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.version++;
    this.log?.append([key, null]);
    return super.delete(key);
  }
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const json = (status: number, body: object, headers: Record<string, string> = {}): ServiceResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const failure = (status: number, type: string, message: string): ServiceResponse =>
  json(status, { Message: message }, { 'x-amzn-errortype': type });

/**
 * The store's key and value limits (docs/aws-limits.md §A: key ≤ 512, value ≤ 1,024), past
 * which PutKey is a ValidationException. AWS states them in characters; they are measured
 * here in UTF-8 bytes, the stricter reading (a character is one to four bytes), so what the
 * local store takes the service takes too.
 */
export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 1_024;

/** Why PutKey refuses `key` = `value`, as the service's ValidationException message; undefined when it does not. */
function putKeyProblem(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'PutKey needs a string Value';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `Key is ${Buffer.byteLength(key)} bytes long; a key is at most ${MAX_KEY_BYTES}`;
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return `Value is ${Buffer.byteLength(value)} bytes long; a value is at most ${MAX_VALUE_BYTES}`;
  return undefined;
}

export function keyValueStoreApi(store: VersionedMap, arn = LOCAL_KVS_ARN) {
  const etag = () => `KV${store.version}`;
  const size = () => [...store].reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  const counts = () => ({ ItemCount: store.size, TotalSizeInBytes: size() });

  return function handle(request: SignedRequest): ServiceResponse {
    const target = kvsTarget(request.url);
    if (target.arn !== arn) return failure(404, 'ResourceNotFoundException', `no key value store ${target.arn}`);
    if (!target.keys) {
      const now = Math.floor(Date.now() / 1000);
      return json(200, { KvsARN: arn, Status: 'READY', Created: now, LastModified: now, ...counts() }, { etag: etag() });
    }
    const { key } = target;
    if (key === undefined) return failure(400, 'ValidationException', 'the local KeyValueStore serves DescribeKeyValueStore, GetKey, PutKey and DeleteKey only');
    if (request.method === 'GET') {
      const value = store.get(key);
      return value === undefined ? failure(404, 'ResourceNotFoundException', `no key ${key}`) : json(200, { Key: key, Value: value, ...counts() });
    }
    // A request the service finds invalid is refused as such, whatever its If-Match says.
    const value = request.method === 'PUT' ? (JSON.parse(request.body.toString('utf8')) as { Value?: unknown }).Value : undefined;
    const problem = request.method === 'PUT' ? putKeyProblem(key, value) : undefined;
    if (problem) return failure(400, 'ValidationException', problem);
    const ifMatch = request.headers['if-match'];
    if (ifMatch !== etag()) return failure(409, 'ConflictException', `the store's ETag is ${etag()}, not ${String(ifMatch)}`);
    if (request.method === 'PUT') store.set(key, value as string);
    else store.delete(key);
    return json(200, counts(), { etag: etag() });
  };
}
