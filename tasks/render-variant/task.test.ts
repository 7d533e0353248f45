import { StoreUnavailable } from '../../core/index.ts';
import type { CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { VariantParams } from '../../core/index.ts';
import { createOriginRequestHandler, ORIGIN_ROLE_HEADER } from '../../edge/origin/origin-request.ts';
import { createOriginalsReader } from '../../core/storage/index.ts';
import { renderVariant, type Renderer } from '../../core/transform/index.ts';
import { sampleImage } from '../../test/fixtures/generate.ts';
import { MemoryStore } from '../../test/support/memory-store.ts';
import { replay, useLocalDynamo, type TestRuntime } from '../../test/support/tasks.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OriginalsTable } from '../record-original/originals-table.ts';
import { createRenderVariantTask } from './task.ts';

const local = useLocalDynamo();

const PARAMS: VariantParams = { fmt: 'webp', q: 75, w: 256 };
const VARIANT_KEY = 'demo/cat.jpg/w256_q75.webp';

describe('render-variant', () => {
  let near: MemoryStore;
  let far: MemoryStore;
  let variants: MemoryStore;
  let renders: number;
  let test: TestRuntime;
  let originalsTable: OriginalsTable;
  const recordUpload = (etag: string, status = 'accepted') =>
    local.documents.send(new PutCommand({ TableName: originalsTable.name, Item: { key: 'demo/cat.jpg', status, etag, sequencer: '1' } }));
  const replicas = () => [
    { region: 'eu-west-1', store: near },
    { region: 'us-east-1', store: far },
  ];
  const render: Renderer = (source, params, focus) => {
    renders++;
    return renderVariant(source, params, focus);
  };

  beforeEach(async () => {
    const original = { body: await sampleImage('jpeg'), contentType: 'image/jpeg', cacheControl: undefined, etag: 'etag-1' };
    near = new MemoryStore('near');
    far = new MemoryStore('far');
    variants = new MemoryStore('variants');
    for (const replica of [near, far]) replica.objects.set('demo/cat.jpg', original);
    renders = 0;
    test = await local.runtime();
    originalsTable = { client: local.documents, name: await local.table('originals', 'key') };
    await recordUpload('etag-1');
  });

  /** `etag` uploaded again over the key, reaching `replicas` (replication to the others lags). */
  const reupload = (etag: string, reached: MemoryStore[]) => {
    for (const replica of reached) replica.objects.set('demo/cat.jpg', { ...replica.objects.get('demo/cat.jpg')!, etag });
  };
  const task = () => createRenderVariantTask({ originals: createOriginalsReader({ originals: replicas(), log: () => undefined }), variants, originalsTable, render });
  const input = (params: VariantParams = PARAMS, etag = 'etag-1', generation: string | null = null) => ({ tenant: 'demo', path: 'cat.jpg', params, etag, generation, executionName: 'render-1' });
  const renderTask = (params?: VariantParams) => task()(test.runtime)(input(params));

  it('renders from the nearest replica and stores the variant with a conditional put', async () => {
    const out = await renderTask();
    const stored = variants.objects.get(VARIANT_KEY);
    expect(out).toEqual({ key: VARIANT_KEY, status: 'created', bytes: stored?.body.length });
    expect(stored?.contentType).toBe('image/webp');
    expect(variants.calls).toEqual([`exists ${VARIANT_KEY}`, `putIfAbsent ${VARIANT_KEY}`]);
    expect(near.calls).toEqual(['get demo/cat.jpg']);
    expect(far.calls).toEqual([]);
    expect(test.metric('VariantsRendered')).toBe(1);
    expect(test.metric('RenderMs')).toBeGreaterThan(0);
  });

  it('stores the very bytes and headers the edge renders on a miss for the same request', async () => {
    await renderTask();
    const edgeVariants = new MemoryStore('edge-variants');
    const edge = createOriginRequestHandler({ variants: edgeVariants, originals: replicas(), render: renderVariant, log: () => undefined });
    const response = (await edge(renderOriginEvent('/demo/cat.jpg', 'fmt=webp&q=75&w=256'))) as CloudFrontResultResponse;
    expect(response.status).toBe('200');
    expect(Buffer.from(response.body!, 'base64').equals(variants.objects.get(VARIANT_KEY)!.body)).toBe(true);
    expect(edgeVariants.objects.get(VARIANT_KEY)).toEqual(variants.objects.get(VARIANT_KEY));
  });

  it("crops a cover around the original's focal point (its metadata), and the edge crops it byte for byte alike", async () => {
    const focused = (focus: string) => {
      for (const replica of [near, far]) replica.objects.set('demo/cat.jpg', { ...replica.objects.get('demo/cat.jpg')!, metadata: { focus } });
    };
    const cover: VariantParams = { fmt: 'webp', q: 75, w: 256, h: 256, fit: 'cover' };
    const key = 'demo/cat.jpg/w256_h256_cover_q75.webp';
    focused('0,0.5');
    // The focal point is part of the upload's version (validate-original): etag~x,y.
    await recordUpload('etag-1~0,0.5');
    expect(await task()(test.runtime)(input(cover, 'etag-1~0,0.5'))).toMatchObject({ key, status: 'created' });
    const left = variants.objects.get(key)!.body;
    const edgeVariants = new MemoryStore('edge-variants');
    const edge = createOriginRequestHandler({ variants: edgeVariants, originals: replicas(), render: renderVariant, log: () => undefined });
    const response = (await edge(renderOriginEvent('/demo/cat.jpg', 'fit=cover&fmt=webp&h=256&q=75&w=256'))) as CloudFrontResultResponse;
    expect(Buffer.from(response.body!, 'base64').equals(left)).toBe(true);
    // The crop is the focal point's: at the other edge it is another image.
    expect((await renderVariant(await sampleImage('jpeg'), cover, { x: 0, y: 0.5 })).body.equals(left)).toBe(true);
    expect((await renderVariant(await sampleImage('jpeg'), cover, { x: 1, y: 0.5 })).body.equals(left)).toBe(false);
  });

  it('renders the canonical variant: params are read by the contract like a request', async () => {
    expect(await renderTask({ fmt: 'webp', q: 70, w: 256 })).toMatchObject({ key: VARIANT_KEY });
  });

  it('renders once for a duplicate, a retry and a redrive, and returns the same output', async () => {
    const [first, ...replays] = await replay(task()(test.runtime), input());
    expect(replays).toEqual([first, first]);
    expect(renders).toBe(1);
    expect(variants.calls.filter((call) => call.startsWith('putIfAbsent'))).toHaveLength(1);
  });

  it("renders a re-upload's variant under its generation, beside the first upload's, under the same idempotency table", async () => {
    const handler = task()(test.runtime);
    await handler(input());
    await recordUpload('etag-2');
    reupload('etag-2', [near, far]);
    const replaced = 'demo/cat.jpg/w256_q75_vk3j2x9m4.webp';
    expect(await handler(input(PARAMS, 'etag-2', 'k3j2x9m4'))).toMatchObject({ key: replaced, status: 'created' });
    expect(renders).toBe(2);
    expect([...variants.objects.keys()].sort()).toEqual([VARIANT_KEY, replaced]);
  });

  it('refuses a generation that is not a token', async () => {
    await expect(task()(test.runtime)(input(PARAMS, 'etag-1', 'K3J2X9'))).rejects.toMatchObject({ name: 'TaskInputInvalid' });
    expect(renders).toBe(0);
  });

  it('does not even read the original when the variant exists, so a replay past its idempotency record renders nothing', async () => {
    await renderTask();
    near.calls.length = 0;
    const pastExpiry = task()((await local.runtime()).runtime);
    expect(await pastExpiry(input())).toEqual({ key: VARIANT_KEY, status: 'exists' });
    expect(renders).toBe(1);
    expect(near.calls).toEqual([]);
  });

  it.each([
    ['a later upload was recorded', 'etag-2', 'accepted'],
    ['the original was taken down', 'etag-1', 'taken-down'],
  ])('stores nothing when %s while it rendered: the variant must not outlive that cleanup', async (_, etag, status) => {
    const slow = createRenderVariantTask({
      originals: createOriginalsReader({ originals: replicas(), log: () => undefined }),
      variants,
      originalsTable,
      render: async (source, params) => {
        await recordUpload(etag, status);
        return render(source, params);
      },
    });
    expect(await slow(test.runtime)(input())).toEqual({ key: VARIANT_KEY, status: 'superseded' });
    expect(variants.objects.has(VARIANT_KEY)).toBe(false);
  });

  it('reports exists when a concurrent render stored the variant first', async () => {
    const putIfAbsent = vi.spyOn(variants, 'putIfAbsent').mockResolvedValueOnce('exists');
    expect(await renderTask()).toEqual({ key: VARIANT_KEY, status: 'exists' });
    expect(putIfAbsent).toHaveBeenCalledOnce();
  });

  it('fails over to the next replica like the edge', async () => {
    near.fail = new StoreUnavailable('down');
    expect(await renderTask()).toMatchObject({ status: 'created' });
    expect(far.calls).toEqual(['get demo/cat.jpg']);
  });

  it('renders an upload from a replica that has it, passing over the nearer one replication has not reached yet', async () => {
    await recordUpload('etag-2');
    reupload('etag-2', [far]);
    expect(await task()(test.runtime)(input(PARAMS, 'etag-2', 'k3j2x9m4'))).toMatchObject({ status: 'created' });
    expect([near.calls, far.calls]).toEqual([['get demo/cat.jpg'], ['get demo/cat.jpg']]);
  });

  it('fails as transient, storing nothing, while no replica has the upload yet: never the earlier upload’s bytes under its name', async () => {
    await recordUpload('etag-2');
    await expect(task()(test.runtime)(input(PARAMS, 'etag-2', 'k3j2x9m4'))).rejects.toMatchObject({ name: 'OriginsUnavailable' });
    expect(variants.objects.size).toBe(0);
    expect(renders).toBe(0);
  });

  it('answers superseded when no replica has the upload because a later one replaced it everywhere', async () => {
    await recordUpload('etag-3');
    reupload('etag-3', [near, far]);
    expect(await task()(test.runtime)(input(PARAMS, 'etag-2', 'k3j2x9m4'))).toMatchObject({ status: 'superseded' });
    expect(variants.objects.size).toBe(0);
  });

  it('fails as transient when no replica can answer, and as not found when none has the original', async () => {
    near.fail = new StoreUnavailable('down');
    far.fail = new StoreUnavailable('down');
    await expect(renderTask()).rejects.toMatchObject({ name: 'OriginsUnavailable' });
    near.fail = far.fail = undefined;
    near.objects.clear();
    far.objects.clear();
    await expect(renderTask()).rejects.toMatchObject({ name: 'NotFound' });
  });
});

function renderOriginEvent(uri: string, querystring: string): CloudFrontRequestEvent {
  const role = { [ORIGIN_ROLE_HEADER]: [{ key: ORIGIN_ROLE_HEADER, value: 'render' }] };
  const request = { clientIp: '203.0.113.1', method: 'GET', uri, querystring, headers: {}, origin: { s3: { authMethod: 'none', customHeaders: role, domainName: 'variants', path: '' } } };
  return { Records: [{ cf: { config: { distributionDomainName: 'd', distributionId: 'D', eventType: 'origin-request', requestId: 'r' }, request } }] } as CloudFrontRequestEvent;
}
