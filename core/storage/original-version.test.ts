import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generationTokenOf } from '../freshness.ts';
import { focusOf, isGeneration, isUpload, uploadVersion } from './original-version.ts';

const body = Buffer.from('the bytes of upload B');
const md5 = createHash('md5').update(body).digest('hex');
const MULTIPART = 'd41d8cd98f00b204e9800998ecf8427e-3';

describe('which upload a read returned', () => {
  it('knows a single-part upload by the MD5 of its bytes, whatever ETag the replica answers (or none)', () => {
    for (const etag of [md5, 'a-replica-etag', undefined]) expect(isUpload(md5)({ body, etag })).toBe(true);
    expect(isGeneration('demo/a.jpg', generationTokenOf(`demo/a.jpg@${md5}`))({ body, etag: 'a-replica-etag' })).toBe(true);
  });

  it('knows a multipart upload (its ETag is no MD5) by the ETag the replica answers', () => {
    expect(isUpload(MULTIPART)({ body, etag: MULTIPART })).toBe(true);
    expect(isGeneration('demo/a.jpg', generationTokenOf(`demo/a.jpg@${MULTIPART}`))({ body, etag: MULTIPART })).toBe(true);
  });

  it('takes another upload of the key, or a multipart replica whose ETag changed, for one that is not there yet', () => {
    expect(isUpload(md5)({ body: Buffer.from('the bytes of upload A'), etag: 'etag-of-a' })).toBe(false);
    expect(isUpload(MULTIPART)({ body, etag: 'the-replica-own-etag' })).toBe(false);
    expect(isGeneration('demo/a.jpg', generationTokenOf(`demo/a.jpg@${md5}`))({ body: Buffer.from('A'), etag: undefined })).toBe(false);
    expect(isGeneration('demo/b.jpg', generationTokenOf(`demo/a.jpg@${md5}`))({ body, etag: md5 })).toBe(false); // another key's token
  });

  it('tells uploads of the same bytes apart by their focal point: a replica still holding the other one is not there yet', () => {
    const left = { body, etag: md5, metadata: { focus: '0,0.5' } };
    expect(uploadVersion(md5, '0,0.5')).toBe(`${md5}~0,0.5`);
    expect(uploadVersion(md5, undefined)).toBe(md5);
    expect(isUpload(`${md5}~0,0.5`)(left)).toBe(true);
    expect(isUpload(`${md5}~1,0.5`)(left)).toBe(false);
    expect(isUpload(md5)(left)).toBe(false);
    expect(isUpload(`${md5}~0,0.5`)({ body, etag: md5 })).toBe(false);
    expect(isGeneration('demo/a.jpg', generationTokenOf(`demo/a.jpg@${md5}~0,0.5`))(left)).toBe(true);
  });

  it('reads the focal point as the contract spells it, and a malformed one as none', () => {
    expect(focusOf({ metadata: { focus: '0.50,1.0' } })).toBe('0.5,1');
    expect(focusOf({ metadata: { focus: 'middle' } })).toBeUndefined();
    expect(focusOf({})).toBeUndefined();
  });
});
