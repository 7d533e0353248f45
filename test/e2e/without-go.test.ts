/**
 * A newcomer without Go: `npm start` says once that the flush needs it, the
 * one-minute schedule mints no failed executions, and an explicit flush still
 * answers, failing with the reason. Go is hidden by emptying PATH for this file's process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUSH_NEEDS_GO } from '../../infra/local/pipeline.ts';
import { startTestStack, type RunningStack } from '../support/local-stack.ts';

const PATH = process.env.PATH;
let running: RunningStack;

beforeAll(async () => {
  process.env.PATH = mkdtempSync(join(tmpdir(), 'imgedge-no-go-'));
  // A schedule of 1 ms would start hundreds of flushes while the test's own flush runs, were it on.
  running = await startTestStack({ pipeline: { flushEveryMs: 1 } });
  // The seed's renders, which a busy machine takes long over, are not what this file is about.
  await running.stack.pipeline.settled();
});
afterAll(async () => {
  await running?.stop();
  process.env.PATH = PATH;
});

describe('the local stack without Go', () => {
  it('says why the flush cannot run, in its stats (which the console shows)', async () => {
    const stats = (await (await running.request('/_local/stats')).json()) as { pipeline: { planner: boolean; notice?: string } };
    expect(stats.pipeline).toMatchObject({ planner: false, notice: FLUSH_NEEDS_GO });
    expect(FLUSH_NEEDS_GO).toContain('apt-get install golang-go');
  });

  it('starts no scheduled flush, and an explicit one fails with Runtime.GoMissing and the reason', async () => {
    const res = await running.request('/_local/flush', { method: 'POST' });
    expect(res.status).toBe(202);
    await running.stack.pipeline.settled();
    const flushes = running.stack.pipeline.executions.list({ stateMachine: 'invalidation-flush' });
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toMatchObject({ status: 'FAILED', error: 'Runtime.GoMissing' });
    expect(flushes[0]?.cause).toContain('install golang-go');
  });
});
