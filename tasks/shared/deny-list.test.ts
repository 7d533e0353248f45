import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DescribeKeyValueStoreCommand,
  InternalServerException,
  PutKeyCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { KeyValueStoreDenyList, mapDenyList } from './deny-list.ts';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/kvs-1';
const ENTRY = { reason: 'dmca', at: '2026-01-01T00:00:00.000Z' };
const kvs = mockClient(CloudFrontKeyValueStoreClient);
const denyList = () => new KeyValueStoreDenyList(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }), ARN);

const conflict = () => new ConflictException({ message: 'Pre-condition failed', $metadata: { httpStatusCode: 409 } });

let etags: number;
beforeEach(() => {
  kvs.reset();
  etags = 0;
  kvs.on(DescribeKeyValueStoreCommand).callsFake(async () => ({ ETag: `E${++etags}` }));
});

describe('KeyValueStoreDenyList', () => {
  it("puts the entry as JSON, naming the store's current ETag", async () => {
    kvs.on(PutKeyCommand).resolves({ ETag: 'E2' });
    await denyList().put('d:demo/a.jpg', ENTRY);
    expect(kvs.commandCalls(PutKeyCommand).map((c) => c.args[0].input)).toEqual([
      { KvsARN: ARN, Key: 'd:demo/a.jpg', Value: JSON.stringify(ENTRY), IfMatch: 'E1' },
    ]);
  });

  it('re-reads the ETag and tries again when another writer moved it', async () => {
    kvs.on(PutKeyCommand).rejectsOnce(conflict()).rejectsOnce(conflict()).resolves({});
    await denyList().put('d:demo/a.jpg', ENTRY);
    expect(kvs.commandCalls(PutKeyCommand).map((c) => c.args[0].input.IfMatch)).toEqual(['E1', 'E2', 'E3']);
  });

  it('gives up after a few conflicts as StoreUnavailable, which the workflow retries later', async () => {
    kvs.on(PutKeyCommand).rejects(conflict());
    await expect(denyList().put('d:demo/a.jpg', ENTRY)).rejects.toMatchObject({ name: 'StoreUnavailable' });
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(4);
  });

  it('turns a server fault into StoreUnavailable', async () => {
    kvs.on(PutKeyCommand).rejects(new InternalServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
    await expect(denyList().put('d:demo/a.jpg', ENTRY)).rejects.toMatchObject({ name: 'StoreUnavailable' });
    expect(kvs.commandCalls(PutKeyCommand)).toHaveLength(1);
  });

  it('lets a permanent refusal through as it is', async () => {
    kvs.on(PutKeyCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } }));
    await expect(denyList().put('d:demo/a.jpg', ENTRY)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('mapDenyList', () => {
  it('stores the JSON the viewer function reads', async () => {
    const map = new Map<string, string>();
    await mapDenyList(map).put('d:demo/a.jpg', ENTRY);
    expect(JSON.parse(map.get('d:demo/a.jpg')!)).toEqual(ENTRY);
  });
});
