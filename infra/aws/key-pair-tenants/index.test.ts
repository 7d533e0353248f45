import { CloudFrontKeyValueStoreClient, ConflictException, DescribeKeyValueStoreCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, keyChanges } from './index.ts';

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

const mappings = (...pairs: Array<[string, string]>) => pairs.map(([KeyPairId, Tenant]) => ({ KeyPairId, Tenant }));
function event(type: 'Create' | 'Update' | 'Delete', current: ReturnType<typeof mappings>, old: ReturnType<typeof mappings> = []): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    ResponseURL: responseUrl,
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'KeyPairTenants',
    ResourceType: 'Custom::KeyPairTenants',
    ResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Mappings: current },
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'p', OldResourceProperties: { ServiceToken: 'x', KvsArn: KVS_ARN, Mappings: old } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'p' };
}

describe('Custom::KeyPairTenants', () => {
  it('puts p:{Key-Pair-Id} → tenant on create', () => {
    expect(keyChanges(event('Create', mappings(['K1', 'shop'], ['K2', 'shop'])))).toEqual({
      puts: [{ Key: 'p:K1', Value: 'shop' }, { Key: 'p:K2', Value: 'shop' }],
      deletes: [],
    });
  });

  it('deletes the ids an update dropped and removes all on delete', () => {
    expect(keyChanges(event('Update', mappings(['K2', 'shop']), mappings(['K1', 'shop'], ['K2', 'shop'])))).toEqual({
      puts: [{ Key: 'p:K2', Value: 'shop' }],
      deletes: [{ Key: 'p:K1' }],
    });
    expect(keyChanges(event('Delete', mappings(['K1', 'shop'])))).toEqual({ puts: [], deletes: [{ Key: 'p:K1' }] });
  });

  it("writes with the store's ETag, retries a conflicting write, and answers CloudFormation SUCCESS", async () => {
    kvs.on(DescribeKeyValueStoreCommand).resolves({ ETag: 'e1' });
    kvs.on(UpdateKeysCommand).rejectsOnce(new ConflictException({ message: 'etag moved', $metadata: {} })).resolves({ ETag: 'e2' });
    await createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }))(event('Create', mappings(['K1', 'shop'])));
    const updates = kvs.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toEqual({ KvsARN: KVS_ARN, IfMatch: 'e1', Puts: [{ Key: 'p:K1', Value: 'shop' }], Deletes: [] });
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', RequestId: 'request', LogicalResourceId: 'KeyPairTenants' })]);
  });

  it('answers FAILED with the reason when the store refuses, but lets a delete succeed', async () => {
    kvs.on(DescribeKeyValueStoreCommand).rejects(new Error('AccessDenied'));
    const handler = createHandler(new CloudFrontKeyValueStoreClient({ region: 'us-east-1' }));
    await handler(event('Create', mappings(['K1', 'shop'])));
    await handler(event('Delete', mappings(['K1', 'shop'])));
    expect(responses.map((r) => [r.Status, r.Reason])).toEqual([
      ['FAILED', 'Error: AccessDenied'],
      ['SUCCESS', 'key pair ids mapped to their tenants'],
    ]);
  });
});
