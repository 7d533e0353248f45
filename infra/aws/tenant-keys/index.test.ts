import { CloudFrontKeyValueStoreClient, ConflictException, DescribeKeyValueStoreCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batches, createHandler, keyChanges, MAX_KEYS_PER_UPDATE } from './index.ts';

const KVS_ARN = 'arn:aws:cloudfront::123456789012:key-value-store/abc';
const kvs = mockClient(CloudFrontKeyValueStoreClient);
let server: Server;
let responses: Array<Record<string, string>>;
let responseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      responses.push(JSON.parse(body) as Record<string, string>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  kvs.reset();
  responses = [];
});

const entries = (...pairs: Array<[string, string]>) => pairs.map(([Key, Value]) => ({ Key, Value }));
function event(type: 'Create' | 'Update' | 'Delete', current: ReturnType<typeof entries>, old: ReturnType<typeof entries> = []): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    ResponseURL: responseUrl,
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'TenantKeys',
    ResourceType: 'Custom::TenantKeys',
    ResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Entries: current },
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'p', OldResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Entries: old } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'p' };
}

describe('Custom::TenantKeys', () => {
  it('puts every tenant config and key pair mapping on create', () => {
    expect(keyChanges(event('Create', entries(['t:shop', '{"signing":"key-group"}'], ['p:K1', 'shop'])))).toEqual({
      puts: [{ Key: 't:shop', Value: '{"signing":"key-group"}' }, { Key: 'p:K1', Value: 'shop' }],
      deletes: [],
    });
  });

  it('rewrites a changed config on update (a tenant that now signs is enforced), deletes the keys dropped, and all on delete', () => {
    expect(keyChanges(event('Update', entries(['t:shop', '{"signing":"hmac"}'], ['p:K2', 'shop']), entries(['t:shop', '{}'], ['p:K1', 'shop'], ['p:K2', 'shop'])))).toEqual({
      puts: [{ Key: 't:shop', Value: '{"signing":"hmac"}' }, { Key: 'p:K2', Value: 'shop' }],
      deletes: [{ Key: 'p:K1' }],
    });
    expect(keyChanges(event('Delete', entries(['t:shop', '{}'], ['p:K1', 'shop'])))).toEqual({ puts: [], deletes: [{ Key: 't:shop' }, { Key: 'p:K1' }] });
  });

  it('splits the changes into calls of at most 50 keys', () => {
    const puts = Array.from({ length: 60 }, (_, i) => ({ Key: `t:tenant-${i}`, Value: '{}' }));
    const deletes = Array.from({ length: 45 }, (_, i) => ({ Key: `p:K${i}` }));
    const calls = batches({ puts, deletes });
    expect(calls.map((call) => call.puts.length + call.deletes.length)).toEqual([MAX_KEYS_PER_UPDATE, 50, 5]);
    expect(calls.flatMap((call) => call.puts)).toEqual(puts);
    expect(calls.flatMap((call) => call.deletes)).toEqual(deletes);
  });

  it("writes with the store's ETag, retries a conflicting write, and answers CloudFormation SUCCESS", async () => {
    kvs.on(DescribeKeyValueStoreCommand).resolves({ ETag: 'e1' });
    kvs.on(UpdateKeysCommand).rejectsOnce(new ConflictException({ message: 'etag moved', $metadata: {} })).resolves({ ETag: 'e2' });
    await createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }))(event('Create', entries(['p:K1', 'shop'])));
    const updates = kvs.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toEqual({ KvsARN: KVS_ARN, IfMatch: 'e1', Puts: [{ Key: 'p:K1', Value: 'shop' }], Deletes: [] });
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', RequestId: 'request', LogicalResourceId: 'TenantKeys' })]);
  });

  it('answers FAILED with the reason when the store refuses, but lets a delete succeed', async () => {
    kvs.on(DescribeKeyValueStoreCommand).rejects(new Error('AccessDenied'));
    const handler = createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }));
    await handler(event('Create', entries(['p:K1', 'shop'])));
    await handler(event('Delete', entries(['p:K1', 'shop'])));
    expect(responses.map((r) => [r.Status, r.Reason])).toEqual([
      ['FAILED', 'Error: AccessDenied'],
      ['SUCCESS', 'tenant configs and key pair ids written'],
    ]);
  });
});
