/**
 * The local stack's functions hold exactly the roles the CDK app grants them
 * (tasks/registry.ts): a call outside its role is refused as AWS would refuse
 * it, and the step that made it fails with AccessDenied instead of succeeding
 * only locally.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DENIED, ORIGINALS_REGIONS } from '../../core/index.ts';
import type { LocalStackOptions } from '../../infra/local/stack.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const PIPELINE = { flushEveryMs: 0, retryIntervalMs: 0 };

async function takedown(running: RunningStack, key: string) {
  const res = await running.request('/_local/takedown', { method: 'POST', body: JSON.stringify({ tenant: 'demo', key, reason: 'iam test' }) });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await running.stack.pipeline.settled();
  return running.stack.pipeline.executions.get(id)!;
}

async function uploadImage(running: RunningStack, key: string) {
  const image = await readFile(new URL('../../infra/local/samples/landscape.jpg', import.meta.url));
  expect((await upload(running, key, image, 'image/jpeg')).status).toBe(201);
  await vi.waitFor(async () => {
    await running.stack.replication.settled();
    await running.stack.pipeline.settled();
    const done = running.stack.pipeline.executions.list({ stateMachine: 'upload' }).some((e) => JSON.stringify(e.input).includes(key) && e.status === 'SUCCEEDED');
    if (!done) throw new Error(`upload of ${key} not done`);
  }, { timeout: 60_000, interval: 50 });
}

describe.each([
  ['with every grant the CDK app gives', undefined],
  ['with delete-originals lacking s3:GetObject (the grant HeadObject needs)', { task: 'delete-originals', action: 's3:GetObject' }],
] as const)('a takedown on the local stack %s', (_, withhold) => {
  let running: RunningStack;
  const key = 'demo/iam/takedown.jpg';

  beforeAll(async () => {
    running = await startTestStack({ pipeline: PIPELINE, ...(withhold && { withhold }) } satisfies LocalStackOptions);
    await uploadImage(running, key);
  });
  afterAll(() => running.stop());

  if (!withhold) {
    it('deletes the original everywhere, and no function made a call its role does not allow', async () => {
      expect(await takedown(running, key)).toMatchObject({ status: 'SUCCEEDED' });
      for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(false);
      expect(running.stack.denials()).toEqual([]);
    });
    return;
  }

  it('fails at DeleteOriginals with AccessDenied, naming the role, the action and the object', async () => {
    const execution = await takedown(running, key);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'AccessDenied' });
    expect(JSON.stringify(execution.events)).toContain('DeleteOriginals');
    expect(running.stack.pipeline.denials()).toContainEqual({
      role: 'imgedge-delete-originals',
      action: 's3:GetObject',
      resource: `arn:aws:s3:::${running.stack.originals['us-east-1'].bucket}/${key}`,
    });
    // Denied before it deleted anything; the deny entry (the first step) is written.
    for (const region of ORIGINALS_REGIONS) expect(await running.stack.originals[region].exists(key)).toBe(true);
    expect(running.stack.freshnessEntry(key)).toBe(DENIED);
  });
});

describe.each([
  ['with every grant the CDK app gives', undefined, 404],
  // Without s3:ListBucket, S3 answers a missing key with 403: the handler sees AccessDenied in every region.
  ['with the origin-request function lacking s3:ListBucket', { task: 'origin-request', action: 's3:ListBucket' }, 503],
] as const)('a miss for an original that does not exist, %s', (_, withhold, status) => {
  let running: RunningStack;
  beforeAll(async () => {
    running = await startTestStack({ ...EDGE_ONLY, ...(withhold && { withhold }) });
  });
  afterAll(() => running.stop());

  it(`answers ${status}`, async () => {
    expect((await running.request('/demo/iam/never-uploaded.jpg?w=320')).status).toBe(status);
    const denied = running.stack.denials().filter((d) => d.role === 'imgedge-origin-request');
    if (!withhold) expect(denied).toEqual([]);
    else expect(denied.map((d) => d.action)).toContain('s3:ListBucket');
  });
});
