import { describe, expect, it } from 'vitest';
import { needs, type SignedRequest, UnknownCall } from './iam-actions.ts';

const request = (method: string, url: string, headers: SignedRequest['headers'] = {}): SignedRequest => ({ method, url, headers, body: Buffer.alloc(0) });
const s3 = (method: string, url: string, headers?: SignedRequest['headers']) => needs('s3', request(method, url, headers));
const object = 'arn:aws:s3:::b/k';

describe('what an S3 object call needs', () => {
  it('authorizes the calls the SDK makes as the service does', () => {
    expect(s3('GET', '/b/k?x-id=GetObject')).toEqual([{ action: 's3:GetObject', resource: object }]);
    expect(s3('HEAD', '/b/k')).toEqual([{ action: 's3:GetObject', resource: object }]);
    expect(s3('GET', '/b/k?response-content-type=image%2Fpng&x-id=GetObject')).toEqual([{ action: 's3:GetObject', resource: object }]);
    expect(s3('PUT', '/b/k?x-id=PutObject', { 'x-amz-tagging': 'a=b' })).toEqual([
      { action: 's3:PutObject', resource: object },
      { action: 's3:PutObjectTagging', resource: object },
    ]);
    expect(s3('DELETE', '/b/k?x-id=DeleteObject')).toEqual([{ action: 's3:DeleteObject', resource: object }]);
    expect(s3('GET', '/b/k?tagging')).toEqual([{ action: 's3:GetObjectTagging', resource: object }]);
    expect(s3('PUT', '/b/k?tagging')).toEqual([{ action: 's3:PutObjectTagging', resource: object }]);
  });

  it('refuses a subresource it does not serve instead of authorizing it as another action', () => {
    // AWS: s3:DeleteObjectTagging, s3:GetObjectAttributes, s3:GetObjectRetention, not s3:DeleteObject / s3:GetObject.
    for (const [method, url] of [
      ['DELETE', '/b/k?tagging'],
      ['GET', '/b/k?attributes'],
      ['GET', '/b/k?retention'],
      ['GET', '/b/k?legal-hold'],
      ['PUT', '/b/k?retention'],
      ['GET', '/b/k?acl'],
      ['GET', '/b/k?versionId=v1'],
      ['GET', '/b/k?tagging&versionId=v1'],
      ['POST', '/b/k?uploads'],
      ['PUT', '/b/k?partNumber=1&uploadId=u'],
    ] as const) {
      expect(() => s3(method, url), `${method} ${url}`).toThrow(UnknownCall);
    }
  });

  it('authorizes CopyObject on the source and the copy', () => {
    expect(s3('PUT', '/q/k?x-id=CopyObject', { 'x-amz-copy-source': 'src/a%20b.jpg' })).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::q/k' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::src/a b.jpg' },
    ]);
  });
});
