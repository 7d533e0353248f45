/**
 * The CloudFront KeyValueStore API over the Map the viewer function reads,
 * for the deployed task code (put-deny-entry, plan-variants) behind the IAM
 * gate: DescribeKeyValueStore, GetKey, PutKey and DeleteKey, with the store's
 * ETag moving on every write, whoever made it (a write naming an old ETag is
 * a ConflictException, as in the service). The wire format is the SDK's
 * (REST-JSON, @aws-sdk/client-cloudfront-keyvaluestore).
 */
import { kvsTarget, type SignedRequest } from './iam-actions.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';

export const LOCAL_KVS_ARN = `arn:aws:cloudfront::${LOCAL_ACCOUNT}:key-value-store/00000000-0000-4000-8000-00000000edge`;

/** A Map that counts its writes: the store's ETag. */
export class VersionedMap extends Map<string, string> {
  version = 0;

  override set(key: string, value: string): this {
    this.version++;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.version++;
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
    const ifMatch = request.headers['if-match'];
    if (ifMatch !== etag()) return failure(409, 'ConflictException', `the store's ETag is ${etag()}, not ${String(ifMatch)}`);
    if (request.method === 'PUT') {
      const { Value } = JSON.parse(request.body.toString('utf8')) as { Value?: unknown };
      if (typeof Value !== 'string') return failure(400, 'ValidationException', 'PutKey needs a string Value');
      store.set(key, Value);
    } else store.delete(key);
    return json(200, counts(), { etag: etag() });
  };
}
