// The KeyValueStore API is signed with SigV4A, which the SDK only has once this is loaded.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, DescribeKeyValueStoreCommand, PutKeyCommand, ValidationException } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keyValueStoreApi, LOCAL_KVS_ARN, MAX_KEY_BYTES, MAX_VALUE_BYTES, VersionedMap } from './key-value-store.ts';

interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

/** The SDK's client with the local API on the other end of its wire (no socket: the handler answers in process). */
function clientOf(store: VersionedMap) {
  const api = keyValueStoreApi(store);
  return new CloudFrontKeyValueStoreClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'put-deny-entry', secretAccessKey: 'local' },
    requestHandler: {
      async handle(request: WireRequest) {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
        const answer = api({ method: request.method, url: request.path, headers, body: Buffer.from(request.body ?? '') });
        return { response: { statusCode: answer.status, reason: '', headers: answer.headers, body: Readable.from([Buffer.from(answer.body)]) } };
      },
    } as never,
  });
}

async function putKey(store: VersionedMap, Key: string, Value: string) {
  const client = clientOf(store);
  const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: LOCAL_KVS_ARN }));
  return client.send(new PutKeyCommand({ KvsARN: LOCAL_KVS_ARN, Key, Value, IfMatch: ETag }));
}

/** `bytes` UTF-8 bytes: a three-byte character and then ASCII, so a count in characters would be shorter. */
const ofBytes = (bytes: number) => `€${'k'.repeat(bytes - 3)}`;

describe('the local KeyValueStore API', () => {
  it(`takes a key of ${MAX_KEY_BYTES} bytes and a value of ${MAX_VALUE_BYTES} bytes`, async () => {
    const store = new VersionedMap();
    await putKey(store, ofBytes(MAX_KEY_BYTES), ofBytes(MAX_VALUE_BYTES));
    expect(store.get(ofBytes(MAX_KEY_BYTES))).toBe(ofBytes(MAX_VALUE_BYTES));
  });

  it(`refuses a key of ${MAX_KEY_BYTES + 1} bytes and a value of ${MAX_VALUE_BYTES + 1} bytes with the ValidationException the SDK reads`, async () => {
    const store = new VersionedMap();
    for (const [key, value] of [
      [ofBytes(MAX_KEY_BYTES + 1), 'v'],
      ['k', ofBytes(MAX_VALUE_BYTES + 1)],
    ]) {
      const error = await putKey(store, key!, value!).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ValidationException);
      expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    }
    expect(store.size).toBe(0);
    expect(store.version).toBe(0);
  });
});
