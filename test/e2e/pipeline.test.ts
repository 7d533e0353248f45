/**
 * The pipeline end to end on the local stack: asl/*.asl.json run by the ASL
 * interpreter with the real task handlers, started by the S3 event of a real
 * upload, operated over the HTTP surface an operator uses.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DENIED, generationTokenOf, ORIGINALS_REGIONS, STANDARD_WIDTHS } from '../../core/index.ts';
import { createS3Client, S3ObjectStore } from '../../core/storage/index.ts';
import { PRIMARY_REGION } from '../../infra/local/local-aws.ts';
import type { Execution } from '../../infra/local/executions.ts';
import type { ObjectCreatedEvent } from '../../infra/local/s3-events.ts';
import { QUARANTINE_BUCKET } from '../../infra/local/pipeline.ts';
import { HAS_GO, withGo } from '../support/go.ts';
import { NOT_VALIDATED_IN_TIME } from '../../workflows/upload.ts';
import { settled as settledStack, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
/** avif, webp and jpeg at every standard width. */
const STANDARD_VARIANTS = STANDARD_WIDTHS.length * 3;

type Summary = Omit<Execution, 'events'>;

/** A real photo at 3 MP (2121 × 1414), `shade` making each version's bytes differ. */
async function photo(shade = 0): Promise<Buffer> {
  const landscape = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
  return sharp(landscape).resize(2121, 1414).modulate({ brightness: 1 + shade / 100 }).jpeg({ quality: 85 }).toBuffer();
}

describe('pipeline on the local stack', () => {
  let running: RunningStack;
  const pipeline = () => running.stack.pipeline;

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 0, invalidationCompletesAfterMs: 60_000 } });
    await settled();
  });
  afterAll(() => running.stop());

  const settled = () => settledStack(running);

  async function executions(query = ''): Promise<Summary[]> {
    return (await running.request(`/_local/executions${query}`)).json() as Promise<Summary[]>;
  }

  const uploadsOf = (key: string) =>
    pipeline()
      .executions.list({ stateMachine: 'upload' })
      .filter((e) => (e.input as ObjectCreatedEvent).detail.object.key === key);

  async function uploadAndSettle(key: string, body: Buffer): Promise<Execution> {
    expect((await upload(running, key, body, 'image/jpeg')).status).toBe(201);
    const [execution] = await vi.waitFor(() => {
      const found = uploadsOf(key).filter((e) => (e.input as ObjectCreatedEvent).detail.object.size === body.length);
      if (found.length === 0) throw new Error(`no upload execution for ${key} yet`);
      return found;
    });
    await settled();
    return execution!;
  }

  async function variantKeys(original: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of running.stack.variants.list(`${original}/`)) keys.push(key);
    return keys.sort();
  }

  const isDenied = (key: string) => running.stack.freshnessEntry(key) === DENIED;

  async function takedown(body: object): Promise<Response> {
    return running.request('/_local/takedown', { method: 'POST', body: JSON.stringify(body) });
  }

  async function flush(): Promise<Summary> {
    const res = await running.request('/_local/flush', { method: 'POST' });
    expect(res.status).toBe(202);
    const started = (await res.json()) as Summary;
    await settled();
    return started;
  }

  /** Redrives every failed execution but those in `leave` (failed for good, like a rejected upload). */
  async function redriveFailed(leave: ReadonlySet<string>): Promise<number> {
    const failed = (await executions('?status=FAILED')).filter((e) => !leave.has(e.id));
    for (const execution of failed) {
      const res = await running.request(`/_local/executions/${encodeURIComponent(execution.id)}/redrive`, { method: 'POST' });
      expect(res.status).toBe(202);
    }
    await settled();
    return failed.length;
  }

  it('renders every standard variant of an upload, which the edge then serves without rendering', async () => {
    const key = 'demo/e2e/upload.jpg';
    const before = running.stack.stats();
    await uploadAndSettle(key, await photo());

    const [uploadExecution] = uploadsOf(key);
    expect(uploadExecution).toMatchObject({ status: 'SUCCEEDED' });
    const render = pipeline().executions.list({ stateMachine: 'render' }).find((e) => (e.input as { key: string }).key === key);
    expect(render).toMatchObject({ status: 'SUCCEEDED' });
    const variants = await variantKeys(key);
    expect(variants).toHaveLength(STANDARD_VARIANTS);
    expect(running.stack.stats().pipeline.renders - before.pipeline.renders).toBe(STANDARD_VARIANTS);

    for (const width of STANDARD_WIDTHS) {
      for (const accept of [CHROME_ACCEPT, 'image/webp,*/*', '*/*']) {
        const res = await running.request(`/${key}?w=${width}`, { headers: { accept } });
        expect(res.status).toBe(200);
        expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(width);
      }
    }
    // The origin-request trigger fires on every miss; here it only pointed CloudFront at the stored variant.
    const after = running.stack.stats();
    expect(after.renders).toBe(before.renders);
    expect(after.originFailovers).toBe(before.originFailovers);
  });

  it('quarantines an upload that is not an image and fails the execution with the reason', async () => {
    const key = 'demo/e2e/not-an-image.jpg';
    const execution = await uploadAndSettle(key, Buffer.from('<html>not a photo</html>'));

    expect(execution).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', failedState: 'Rejected' });
    expect(execution.cause).toMatch(/not|unsupported|cannot/i);
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(false);
    const uploads = running.stack.emulator.endpoint(PRIMARY_REGION);
    const quarantine = new S3ObjectStore(createS3Client({ region: PRIMARY_REGION, endpoint: uploads.url }), QUARANTINE_BUCKET);
    expect(await quarantine.exists(key)).toBe(true);
    expect(await variantKeys(key)).toEqual([]);
  });

  it('quarantines an upload whose validation never finishes in time, and what the edge rendered from it meanwhile goes too, even from lagging replicas', async () => {
    const key = 'demo/e2e/never-validated.jpg';
    const url = `/${key}?fmt=webp&q=75&w=640`; // canonical: as the edge caches it and the queue names it
    const release = pipeline().faults.hold('ValidateOriginal');
    pipeline().faults.loseResponses('ValidateOriginal'); // every attempt times out (Sandbox.Timedout)
    try {
      expect((await upload(running, key, await photo(7), 'image/jpeg')).status).toBe(201);
      expect((await running.request(url)).status).toBe(200); // rendered at the edge before validation ends
      expect((await running.request(url)).headers.get('x-cache')).toBe('Hit from cloudfront');
      expect(await variantKeys(key)).toHaveLength(1);
      running.stack.replicationDelayMs = 15_000; // the quarantine's delete reaches the replicas late
      release();
      await vi.waitFor(() => expect(uploadsOf(key)[0]?.status).toBe('FAILED'), { timeout: 60_000, interval: 50 });
      // Gone where uploads land, still in a replica: a miss finds it gone, and renders nothing from the replica.
      expect(await running.stack.originals['eu-west-1'].exists(key)).toBe(true);
      expect((await running.request(`/${key}?w=384&fmt=jpeg`)).status).toBe(404);
    } finally {
      running.stack.replicationDelayMs = 0;
      pipeline().faults.clear('ValidateOriginal');
    }
    await settled();

    const [execution] = uploadsOf(key);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OriginalRejected', cause: NOT_VALIDATED_IN_TIME });
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(false);
    expect(await variantKeys(key)).toEqual([]);
    expect((await pipeline().queue.drain()).map((item) => item.path).filter((path) => path.startsWith(`/${key}`))).toEqual([url]);
  });

  it.skipIf(!HAS_GO)(withGo('answers 404 for a quarantined upload’s edge-rendered variant once the flush has run'), async () => {
    const key = 'demo/e2e/quarantined-after-render.jpg';
    const url = `/${key}?w=384&fmt=webp`;
    const release = pipeline().faults.hold('ValidateOriginal');
    pipeline().faults.loseResponses('ValidateOriginal');
    try {
      expect((await upload(running, key, await photo(8), 'image/jpeg')).status).toBe(201);
      expect((await running.request(url)).status).toBe(200);
      release();
      await settled();
    } finally {
      pipeline().faults.clear('ValidateOriginal');
    }
    await flush();
    expect((await running.request(url)).status).toBe(404);
  });

  it('refuses a restore and a lifecycle expiration of an accepted original in the first state: the original and its variants stay, nothing renders', async () => {
    const key = 'demo/e2e/restored.jpg';
    const accepted = await uploadAndSettle(key, await photo(3));
    const created = accepted.input as ObjectCreatedEvent;
    const renders = () => pipeline().executions.list({ stateMachine: 'render' }).length;
    const rendersBefore = renders();
    const variantsBefore = await variantKeys(key);

    const restored = pipeline().deliver({ ...created, 'detail-type': 'Object Restore Completed' } as unknown as ObjectCreatedEvent);
    const expired = pipeline().deliver({
      ...created,
      'detail-type': 'Object Deleted',
      detail: { ...created.detail, object: { key: created.detail.object.key, sequencer: created.detail.object.sequencer }, reason: 'Lifecycle Expiration' },
    } as unknown as ObjectCreatedEvent);
    await settled();

    const failed = await executions('?status=FAILED');
    expect(failed.find((e) => e.id === restored.id)).toMatchObject({
      error: 'NotAnUpload',
      cause: 'upload takes only S3 Object Created events (source aws.s3), not Object Restore Completed from aws.s3',
    });
    expect(failed.find((e) => e.id === expired.id)).toMatchObject({ error: 'NotAnUpload', cause: expect.stringContaining('not Object Deleted from aws.s3') });
    expect(renders()).toBe(rendersBefore);
    expect(await variantKeys(key)).toEqual(variantsBefore);
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(true);
  });

  it.skipIf(!HAS_GO)(withGo('replays: the same S3 event 3 times, lost responses and every execution redriven render once, invalidate once, audit once'), async () => {
    const replaced = 'demo/e2e/replayed.jpg';
    const takenDown = 'demo/e2e/taken-down.jpg';
    await uploadAndSettle(replaced, await photo());
    await uploadAndSettle(takenDown, await photo(5));
    const oldVariants = await variantKeys(replaced);
    const before = running.stack.stats();
    const invalidationsBefore = pipeline().invalidations.records.length;
    const failedBefore = new Set((await executions('?status=FAILED')).map((e) => e.id));

    // Every workflow's last task does its work and loses its response, through all retries.
    for (const state of ['DeleteOldVariants', 'RenderVariant', 'WriteAudit', 'MarkSubmitted']) pipeline().faults.loseResponses(state);
    const first = await uploadAndSettle(replaced, await photo(10));
    pipeline().deliver(first.input as ObjectCreatedEvent);
    pipeline().deliver(first.input as ObjectCreatedEvent);
    expect((await takedown({ tenant: 'demo', key: takenDown, reason: 'replay test' })).status).toBe(202);
    await settled();
    await flush();
    expect(uploadsOf(replaced).filter((e) => e.status === 'FAILED')).toHaveLength(3);

    pipeline().faults.clear('DeleteOldVariants');
    pipeline().faults.clear('WriteAudit');
    pipeline().faults.clear('MarkSubmitted');
    const redriven = await redriveFailed(failedBefore); // 3 uploads, the takedown, the flush
    pipeline().faults.clear();
    const renderRedriven = await redriveFailed(failedBefore); // the render the first redriven upload started
    expect([redriven, renderRedriven]).toEqual([5, 1]);
    expect((await executions('?status=FAILED')).filter((e) => !failedBefore.has(e.id))).toEqual([]);
    await flush();

    const after = running.stack.stats();
    expect(after.pipeline.renders - before.pipeline.renders).toBe(STANDARD_VARIANTS);
    expect(pipeline().executions.list({ stateMachine: 'render' }).filter((e) => (e.input as { key: string }).key === replaced)).toHaveLength(2);
    // The same variants under the new generation's names; the first upload's are gone.
    const token = generationTokenOf(`${replaced}@${(first.input as ObjectCreatedEvent).detail.object.etag}`);
    expect(await variantKeys(replaced)).toEqual(oldVariants.map((key) => key.replace(/\.(\w+)$/, `_v${token}.$1`)).sort());
    expect(await variantKeys(takenDown)).toEqual([]);

    // Only the takedown invalidates: the re-upload's variants have new cache keys.
    const sent = pipeline().invalidations.records.slice(invalidationsBefore).flatMap((record) => record.paths);
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.every((path) => path.startsWith(`/${takenDown}`))).toBe(true);
    expect(sent.length).toBeGreaterThan(0);

    const audit = await pipeline().documents.send(new ScanCommand({ TableName: pipeline().tables.audit }));
    expect(audit.Items?.filter((item) => item.key === takenDown)).toHaveLength(1);
  });

  async function uploadAndTakeDown(key: string): Promise<Execution> {
    const res = await takedown({ tenant: 'demo', key, reason: 'dmca 2026-0042', requestedBy: 'legal@example.com' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Summary;
    await vi.waitFor(() => {
      if (!isDenied(key)) throw new Error('deny entry not written yet');
    });
    return pipeline().executions.get(id)!;
  }

  it('refuses an operation another site or a rebound host name sends, and takes it from the console and from curl', async () => {
    const key = 'demo/e2e/cross-site.jpg';
    const body = JSON.stringify({ tenant: 'demo', key, reason: 'cross-site test' });
    const fromPage = await running.request('/_local/takedown', { method: 'POST', body, headers: { origin: 'https://evil.example' } });
    expect(fromPage.status).toBe(403);
    const rebound = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(running.url);
      const req = httpRequest({ host: '127.0.0.1', port, path: '/_local/takedown', method: 'POST', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(rebound).toBe(403);
    expect(isDenied(key)).toBe(false);
    const fromConsole = await running.request('/_local/flush', { method: 'POST', headers: { origin: running.url } });
    expect(fromConsole.status).toBe(202);
    await settled();
  });

  it('takes an image down: denied at the edge right after the first step, deleted in every region, its invalidation queued', async () => {
    const key = 'demo/e2e/takedown.jpg';
    await uploadAndSettle(key, await photo(20));
    const cached = `/${key}?w=640&fmt=webp`;
    await running.request(cached);
    expect((await running.request(cached)).headers.get('x-cache')).toBe('Hit from cloudfront');
    const variantPaths = (await variantKeys(key)).length;

    const release = pipeline().faults.hold('DeleteOriginals');
    const execution = await uploadAndTakeDown(key);
    const edgeBefore = running.stack.stats();
    for (const path of [cached, `/${key}?w=1920`, `/${key}`]) expect((await running.request(path)).status).toBe(451);
    expect(running.stack.stats().originRequestInvocations).toBe(edgeBefore.originRequestInvocations);
    expect(await running.stack.originals['us-east-1'].exists(key)).toBe(true); // the next step has not run
    release();
    await settled();

    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(false);
    expect(await variantKeys(key)).toEqual([]);
    const queued = (await pipeline().queue.drain()).filter((item) => item.path.startsWith(`/${key}?`));
    expect(queued).toHaveLength(variantPaths);
    expect((await running.request(cached)).status).toBe(451);
  });

  it.skipIf(!HAS_GO)(withGo('flushes a takedown as one invalidation of its exact paths: no wildcard while the path budget has room'), async () => {
    const key = 'demo/e2e/takedown-flushed.jpg';
    await uploadAndSettle(key, await photo(25));
    await uploadAndTakeDown(key);
    await settled();
    const invalidationsBefore = pipeline().invalidations.records.length;
    await flush();

    const sent = pipeline().invalidations.records.slice(invalidationsBefore);
    expect(sent).toHaveLength(1);
    const paths = sent[0]!.paths.filter((path) => path.startsWith(`/${key}`));
    expect(paths).toHaveLength(STANDARD_VARIANTS);
    expect(paths.every((path) => path.startsWith(`/${key}?`))).toBe(true);
    expect(await pipeline().queue.drain()).toEqual([]);
  });

  it('refuses a takedown outside the tenant with 400 and starts nothing', async () => {
    const before = pipeline().executions.list({ stateMachine: 'takedown' }).length;
    const res = await takedown({ tenant: 'demo', key: 'other/e2e/photo.jpg', reason: 'x' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/not an original key of tenant demo/);
    expect(pipeline().executions.list({ stateMachine: 'takedown' })).toHaveLength(before);
  });

  it.skipIf(!HAS_GO)(withGo('resends a batch whose CreateInvalidation response was lost with the same CallerReference: one invalidation'), async () => {
    const key = 'demo/e2e/resend.jpg';
    await uploadAndSettle(key, await photo(30));
    await uploadAndTakeDown(key); // the takedown queues its variants' invalidation
    await settled();
    const before = pipeline().invalidations.stats();

    pipeline().faults.loseResponses('CreateInvalidation');
    const lost = await flush();
    expect(pipeline().executions.get(lost.id)).toMatchObject({ status: 'SUCCEEDED' }); // BatchLeftClaimed
    pipeline().faults.clear();
    await flush();

    const after = pipeline().invalidations.stats();
    expect(after.submitted - before.submitted).toBe(1);
    expect(after.resends - before.resends).toBe(1);
    expect(after.pathsSubmitted - before.pathsSubmitted).toBe(pipeline().invalidations.records.at(-1)!.paths.length);
  });

  it('answers redrive of an execution that did not fail with 409, and of an unknown one with 404', async () => {
    const [succeeded] = await executions('?status=SUCCEEDED');
    const conflict = await running.request(`/_local/executions/${encodeURIComponent(succeeded!.id)}/redrive`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    const missing = await running.request(`/_local/executions/${encodeURIComponent('arn:aws:states:us-east-1:000000000000:execution:upload:nope')}/redrive`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect((await running.request('/_local/executions?status=BOGUS')).status).toBe(400);
  });
});
