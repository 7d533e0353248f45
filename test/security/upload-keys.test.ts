/**
 * Object keys an uploader chooses, fuzzed through the upload validation task.
 * A tenant's upload role may write any key below `{tenant}/` (IAM prefix
 * scoping), so the key itself is hostile input: traversal, control characters,
 * unicode, another tenant's name further down. The task either rejects it with
 * a reason or records exactly that key for exactly that tenant.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { originalKey } from '../../core/index.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { s3EventKey, useLocalDynamo, type TestRuntime } from '../support/tasks.ts';
import { createValidateOriginalTask } from '../../tasks/validate-original/task.ts';
import { sampleImage } from '../fixtures/generate.ts';
import { hostilePath, SEED, unsafeKeyReason } from './hostile-urls.ts';

const UPLOAD_KEY_RUNS = 400;
const local = useLocalDynamo();

describe('upload keys chosen by a tenant', () => {
  let test: TestRuntime;
  let photo: Buffer;
  beforeAll(async () => {
    test = await local.runtime();
    photo = await sampleImage('jpeg');
  });

  it(`records ${UPLOAD_KEY_RUNS} generated keys below demo/ for demo as they are, or rejects them with a reason`, async () => {
    const outcomes = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(hostilePath, fc.nat(), async (path, n) => {
        // What the tenant's role can write: any key that starts with `demo/`, here the generated path's bytes as they are.
        const key = `demo/${path.replace(/^\/+/, '')}`;
        const uploads = new MemoryStore('uploads');
        uploads.objects.set(key, { body: photo, contentType: 'image/jpeg', cacheControl: undefined });
        const handler = createValidateOriginalTask({ uploads })(test.runtime);
        let encoded: string;
        try {
          encoded = s3EventKey(key);
        } catch {
          return; // a lone surrogate: S3 keys are UTF-8, no such key can exist
        }
        const event = { bucket: 'uploads', key: encoded, etag: `e${n}`, size: photo.length, sequencer: '10', executionName: 'upload-1' };
        const outcome = await handler(event, { getRemainingTimeInMillis: () => 60_000 }).then(
          (recorded) => ({ recorded }),
          (err: Error) => ({ err }),
        );
        if ('err' in outcome) {
          expect(outcome.err.name, `${JSON.stringify(key)}: ${outcome.err.message}`).toBe('OriginalRejected');
          outcomes.rejected++;
          return;
        }
        outcomes.accepted++;
        expect(outcome.recorded).toMatchObject({ tenant: 'demo', key });
        expect(originalKey(outcome.recorded)).toBe(key);
        expect(unsafeKeyReason(key, 'demo')).toBeUndefined();
      }),
      { numRuns: UPLOAD_KEY_RUNS, seed: SEED },
    );
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  }, 120_000);
});
