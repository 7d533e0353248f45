/**
 * `imgedge upload` against a scripted stack: what it does with a 503, with an upload the stack
 * stored although it answered 503 (two upload executions of the same bytes), with bytes accepted
 * before, and when nothing settles. The whole stack: test/cli/cli.test.ts, test/e2e/bulk-ingest.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExecutionSummary, OperationFailed, type OpsClient, type VariantsListing } from '../../../infra/local/ops/index.ts';
import { MAX_UPLOAD_ATTEMPTS } from '../upload-retry.ts';
import { upload } from './upload.ts';

const BYTES = Buffer.from('jpeg bytes');
const ETAG = createHash('md5').update(BYTES).digest('hex');
const KEY = 'demo/bulk/my photo.jpg';

/** A stack whose PUT answers `answers` in turn (then 201), and whose executions are what the test puts in `uploads` and `renders`. */
function stack(answers: Array<OperationFailed | 'stored'>) {
  const uploads: ExecutionSummary[] = [];
  const renders: ExecutionSummary[] = [];
  const variants: string[] = [];
  let puts = 0;
  const summary = (fields: Partial<ExecutionSummary> & Pick<ExecutionSummary, 'id' | 'status'>): ExecutionSummary =>
    ({ stateMachine: 'upload', name: fields.id, input: null, startedAt: '', redriveCount: 0, ...fields }) as ExecutionSummary;
  /** An upload execution of KEY's bytes, as an S3 event starts it (the event's key URL-encoded, + for a space). */
  const uploadOf = (id: string, status: ExecutionSummary['status'], output?: unknown) =>
    summary({ id, status, output, input: { detail: { object: { key: 'demo/bulk/my+photo.jpg', etag: ETAG } } } });
  const ops = {
    // The S3 events start the uploads: before the first PUT there are none (the command ignores what it finds then).
    executions: async (filter: { stateMachine?: string } = {}) => (puts === 0 ? [] : filter.stateMachine === 'render' ? renders : uploads),
    upload: async (key: string) => {
      const answer = answers[puts++] ?? 'stored';
      if (answer !== 'stored') throw answer;
      return { key, bytes: BYTES.length, region: 'us-east-1' };
    },
    variants: async (key: string): Promise<VariantsListing> => ({ key, original: true, variants: variants.map((v) => ({ key: v }) as VariantsListing['variants'][number]) }),
  } as unknown as OpsClient;
  return { ops, uploads, renders, variants, uploadOf, summary, puts: () => puts };
}

describe('imgedge upload', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgedge-upload-'));
    await writeFile(join(dir, 'my photo.jpg'), BYTES);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function run(ops: OpsClient, timeout = '30', focus?: string) {
    const printed: string[] = [];
    const error = await upload
      .run({ ops, endpoint: 'http://stack', json: true, print: (line = '') => printed.push(line) }, { tenant: 'demo', prefix: 'bulk', timeout, ...(focus && { focus }) }, [dir])
      .then(() => undefined, (err: unknown) => err as Error);
    return { error, summary: JSON.parse(printed.join('\n')) as { uploaded: number; outcomes: unknown[] } };
  }

  it('sends a PUT the stack answered 503 again; the retry, which found the first stored after all, ends NothingNew: the file is ready by the render the first one started', async () => {
    const s = stack([new OperationFailed(503, 'busy', '0')]);
    // The first PUT was stored though answered 503; its upload started the render. The retry's found the bytes recorded.
    s.uploads.push(s.uploadOf('upload-retry', 'SUCCEEDED'), s.uploadOf('upload-first', 'SUCCEEDED', { render: { ExecutionArn: 'render-1' } }));
    s.renders.push(s.summary({ id: 'render-1', status: 'SUCCEEDED' }));
    s.variants.push('a', 'b');
    const { error, summary } = await run(s.ops);
    expect(error).toBeUndefined();
    expect(s.puts()).toBe(2);
    expect(summary).toMatchObject({ uploaded: 1, outcomes: [{ key: KEY, result: 'ready', variants: 2, retries: 1 }] });
  });

  it('follows bytes accepted before this run (every upload of them NothingNew) to their earlier render: waits while it runs, then reports it', async () => {
    for (const [ends, outcome] of [
      ['FAILED', { result: 'failed', execution: 'render-earlier', error: expect.stringContaining('SomeVariantsFailed'), nextStep: expect.any(String) }],
      ['SUCCEEDED', { result: 'ready', variants: 1, unchanged: true }],
    ] as const) {
      const s = stack([]);
      s.uploads.push(s.uploadOf('upload-again', 'SUCCEEDED'));
      const earlier = s.summary({ id: 'render-earlier', status: 'RUNNING', input: { key: KEY, etag: ETAG } });
      s.renders.push(s.summary({ id: 'render-other-bytes', status: 'SUCCEEDED', input: { key: KEY, etag: 'f'.repeat(32) } }), earlier);
      s.variants.push('a');
      setTimeout(() => Object.assign(earlier, { status: ends, error: ends === 'FAILED' ? 'SomeVariantsFailed' : undefined }), 700);
      const { summary } = await run(s.ops);
      expect(summary.outcomes, ends).toEqual([{ file: 'my photo.jpg', key: KEY, ...outcome }]);
    }
  });

  it('sends --focus with every PUT (the focal point cover crops keep), and refuses a malformed one before sending anything', async () => {
    const s = stack([]);
    s.uploads.push(s.uploadOf('upload-again', 'SUCCEEDED'));
    s.variants.push('a');
    const sent: unknown[][] = [];
    const ops: OpsClient = { ...s.ops, upload: (...args) => (sent.push(args), s.ops.upload(...args)) };
    expect((await run(ops, '30', '0.25,0.75')).error).toBeUndefined();
    expect(sent).toEqual([[KEY, BYTES, 'image/jpeg', '0.25,0.75']]);
    const refused = upload.run({ ops, endpoint: 'http://stack', json: true, print: () => undefined }, { tenant: 'demo', focus: '25%,75%' }, [dir]);
    await expect(refused).rejects.toThrow('--focus 25%,75%: focus must be x,y: two fractions 0 to 1 of the width and the height (at most 4 decimals), such as 0.5,0.33');
    expect(sent).toHaveLength(1);
  });

  it('takes bytes accepted before this run whose render is no longer listed as ready, unchanged, when their variants are there', async () => {
    const s = stack([]);
    s.uploads.push(s.uploadOf('upload-again', 'SUCCEEDED'));
    s.variants.push('a');
    const { error, summary } = await run(s.ops);
    expect(error).toBeUndefined();
    expect(summary.outcomes).toEqual([{ file: 'my photo.jpg', key: KEY, result: 'ready', variants: 1, unchanged: true }]);
  });

  it(`rejects a file the stack answered 503 to MAX_UPLOAD_ATTEMPTS (${MAX_UPLOAD_ATTEMPTS}) times, saying why, and exits incomplete`, async () => {
    const s = stack(Array.from({ length: MAX_UPLOAD_ATTEMPTS }, () => new OperationFailed(503, 'busy', '0')));
    const { error, summary } = await run(s.ops);
    expect(s.puts()).toBe(MAX_UPLOAD_ATTEMPTS);
    expect(error?.message).toBe('1 of 1 originals are not ready: see the summary above');
    expect(summary).toMatchObject({ uploaded: 0, outcomes: [{ key: KEY, result: 'rejected', retries: MAX_UPLOAD_ATTEMPTS - 1, reason: expect.stringMatching(/^not stored: the stack answered 503 \(busy\) to each of 8 attempts/) }] });
  });

  it('rejects a file the stack failed with a 500, without stopping, and never sends it again', async () => {
    const s = stack([new OperationFailed(500, 'TypeError: x')]);
    const { summary } = await run(s.ops);
    expect(s.puts()).toBe(1);
    expect(summary.outcomes).toEqual([{ file: 'my photo.jpg', key: KEY, result: 'rejected', reason: 'the stack failed to store it (HTTP 500: TypeError: x)' }]);
  });

  it('gives up on the summary when no file has settled for --timeout seconds: the file is still running', async () => {
    const s = stack([]);
    s.uploads.push(s.uploadOf('upload-stuck', 'RUNNING'));
    const { summary } = await run(s.ops, '1');
    expect(summary.outcomes).toEqual([{ file: 'my photo.jpg', key: KEY, result: 'timed out', execution: 'upload-stuck' }]);
  });
});
