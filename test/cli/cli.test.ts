/**
 * `npm run imgedge -- …` as a person runs it: a child process against the
 * whole local stack in-process on an ephemeral port, exit codes and output read
 * as they come out.
 */
import { freshnessAddressOf } from '../../core/index.ts';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateLocalSigningKeys } from '../../infra/local/dev-keys.ts';
import { HAS_GO, withGo } from '../support/go.ts';
import { seedSignedTenants } from '../../infra/local/seed.ts';
import { startTestStack, upload, type RunningStack } from '../support/local-stack.ts';
import { photo } from '../console/photo.ts';

const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const MAIN = new URL('../../tools/cli/main.ts', import.meta.url).pathname;
/** A Node stack frame, as an uncaught error would print it. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function imgedge(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run imgedge', { timeout: 60_000 }, () => {
  let running: RunningStack;
  let dir: string;
  const cli = (...args: string[]) => imgedge(args, { IMGEDGE_ENDPOINT: running.url });

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 0 } });
    await running.stack.replication.settled();
    await running.stack.pipeline.settled();
    dir = await mkdtemp(join(tmpdir(), 'imgedge-cli-'));
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads a folder, waits for the pipeline, and exits 1 naming the rejected file and why', async () => {
    const folder = join(dir, 'batch');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'sub', 'good.jpg'), await photo(900, 600));
    await writeFile(join(folder, 'bad.jpg'), 'a text file with an image name');

    const run = await cli('upload', folder, '--tenant', 'demo', '--prefix', 'cli');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('2 of 2 files uploaded to tenant demo');
    expect(run.stdout).toMatch(/ready\s+demo\/cli\/sub\/good\.jpg\s+12 variants/);
    expect(run.stdout).toMatch(/rejected\s+demo\/cli\/bad\.jpg\s+unsupported image type/);
    expect(run.stderr).toContain('1 of 2 originals are not ready');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect((await running.request('/demo/cli/sub/good.jpg?w=640')).status).toBe(200);
  });

  it('prints the upload summary as JSON with --json', async () => {
    const folder = join(dir, 'json');
    await mkdir(folder);
    await writeFile(join(folder, 'one.jpg'), await photo(640, 480, 5));
    await writeFile(join(folder, 'vector.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

    const run = await cli('upload', folder, '--tenant', 'demo', '--prefix', 'json', '--json');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { files: number; uploaded: number; outcomes: Array<{ key: string; result: string; reason?: string; variants?: number }> };
    expect(summary).toMatchObject({ files: 2, uploaded: 1 });
    expect(summary.outcomes).toEqual([
      { file: 'one.jpg', key: 'demo/json/one.jpg', result: 'ready', variants: 12 },
      { file: 'vector.svg', key: 'demo/json/vector.svg', result: 'rejected', reason: expect.stringMatching(/unknown extension/) },
    ]);
  });

  it('lists failed executions with the failed step, the error and the redrive command', async () => {
    const run = await cli('executions', '--failed');
    expect(run.code).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.includes('demo/cli/bad.jpg'));
    expect(line).toMatch(/upload\s+FAILED\s+.*demo\/cli\/bad\.jpg\s+Rejected\s+OriginalRejected: unsupported image type/);
    expect(run.stdout).toMatch(/npm run imgedge -- redrive arn:aws:states:us-east-1:\d+:execution:upload:/);

    const json = await cli('executions', '--failed', '--json');
    const list = JSON.parse(json.stdout) as Array<{ status: string; stateMachine: string }>;
    expect(list.length).toBeGreaterThan(0);
    expect(new Set(list.map((e) => e.status))).toEqual(new Set(['FAILED']));
  });

  it('redrives a failed execution to success, and refuses one that did not fail', async () => {
    const key = 'demo/cli/redriven.jpg';
    running.stack.pipeline.faults.loseResponses('RecordOriginal');
    expect((await upload(running, key, await photo(800, 600, 10), 'image/jpeg')).status).toBe(201);
    const failed = await vi.waitFor(() => {
      const found = running.stack.pipeline.executions.list({ stateMachine: 'upload', status: 'FAILED' }).find((e) => JSON.stringify(e.input).includes(key));
      if (!found) throw new Error('the upload has not failed yet');
      return found;
    }, { timeout: 20_000 });
    running.stack.pipeline.faults.clear();

    const run = await cli('redrive', failed.name);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`redrive 1 of upload ${failed.name}: SUCCEEDED`);

    const again = await cli('redrive', failed.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only a failed execution can be redriven');
    expect(again.stderr).not.toMatch(STACK_FRAME);
  });

  it("prints an original's <img> and <picture> markup over its tenant's ladder, whose candidates the edge serves", async () => {
    const run = await cli('snippet', 'demo/samples/landscape.jpg', '--sizes', '(max-width: 600px) 100vw, 600px', '--max-width', '1000', '--alt', 'Hills');
    expect(run.code).toBe(0);
    const [img, blank, ...picture] = run.stdout.trim().split('\n');
    expect(img).toMatch(/^<img src="http:\/\/127\.0\.0\.1:\d+\/demo\/samples\/landscape\.jpg\?w=640" srcset=".*\?w=64 64w, .*\?w=1080 1000w" sizes="\(max-width: 600px\) 100vw, 600px" alt="Hills"/);
    expect([blank, picture[0], picture.at(-1)]).toEqual(['', '<picture>', '</picture>']);
    const src = /src="([^"]+)"/.exec(img!)![1]!;
    expect((await fetch(src)).status).toBe(200);
    const json = JSON.parse((await cli('snippet', 'demo/samples/landscape.jpg', '--json')).stdout) as { sizes: string; srcset: string };
    expect(json.sizes).toBe('100vw');
    expect(json.srcset.split(', ')).toHaveLength(12);
    const missing = await cli('snippet', 'demo/nope.jpg');
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'imgedge: demo/nope.jpg is not an original of the stack: upload it first']);
    const keyless = await cli('snippet', 'landscape.jpg');
    expect([keyless.code, keyless.stderr.split('\n')[0]]).toEqual([2, 'imgedge: snippet takes one original key, tenant first, e.g. demo/samples/landscape.jpg']);
  });

  it('takes an original down: deny entry, deletions per region, queued invalidation; the edge answers 451', async () => {
    const run = await cli('takedown', 'demo/cli/sub/good.jpg', '--reason', 'dmca 2026-0042', '--requested-by', 'legal@example.com');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/takedown takedown-[\w-]+ of demo\/cli\/sub\/good\.jpg: SUCCEEDED/);
    const { slotKey, id } = freshnessAddressOf('demo/cli/sub/good.jpg');
    expect(run.stdout).toContain(`deny-list entry  ${slotKey} ${id}=!  "dmca 2026-0042"`);
    expect(run.stdout).toContain('us-east-1 deleted · eu-west-1 deleted · ap-northeast-1 deleted');
    expect(run.stdout).toMatch(/invalidation\s+12 paths queued/);
    expect((await running.request('/demo/cli/sub/good.jpg?w=640')).status).toBe(451);
  });

  it.skipIf(!HAS_GO)(withGo('flushes the takedown\'s queued invalidation and shows it against the quotas'), async () => {
    const run = await cli('flush', '--json');
    expect(run.code).toBe(0);
    const flushed = JSON.parse(run.stdout) as { execution: { status: string }; submitted: { paths: number; wildcards: number }; quotas: { paths: number } };
    expect(flushed.execution.status).toBe('SUCCEEDED');
    // The takedown's 12 variant paths go as exact paths: a wildcard would cost more of its budget than it saves.
    expect(flushed.submitted.wildcards).toBe(0);
    expect(flushed.submitted.paths).toBeGreaterThanOrEqual(12);
    expect(flushed.quotas.paths).toBe(3000);
  });

  describe('sign', () => {
    const keys = generateLocalSigningKeys();
    const path = (tenant: string) => `/${tenant}/samples/landscape.jpg?w=640`;
    let secretFile: string;
    let privateKeyFile: string;

    beforeAll(async () => {
      await seedSignedTenants(running.stack, keys);
      secretFile = join(dir, 'hmac.secret');
      privateKeyFile = join(dir, 'key-group.pem');
      await writeFile(secretFile, `${keys.hmac.secret}\n`);
      await writeFile(privateKeyFile, keys.keyGroup.privateKey);
    });

    it('signs an hmac tenant\'s path against the endpoint, and the edge accepts it where the unsigned URL is refused', async () => {
      expect((await running.request(path(keys.hmac.tenant))).status).toBe(403);
      const run = await cli('sign', path(keys.hmac.tenant), '--secret-file', secretFile, '--kid', keys.hmac.kid, '--check');
      expect(run.code).toBe(0);
      const [signed, verdict] = run.stdout.trim().split('\n');
      expect(signed).toMatch(new RegExp(`^${running.url}/signed-demo/samples/landscape\\.jpg\\?w=640&kid=local-1&exp=\\d+&sig=[\\w-]+$`));
      expect(verdict).toMatch(/^the edge accepts it: 200 image\//);
    });

    it('signs a key-group tenant\'s URL as a CloudFront signed URL, as --json', async () => {
      const run = await cli('sign', path(keys.keyGroup.tenant), '--key-file', privateKeyFile, '--key-pair-id', keys.keyGroup.keyPairId, '--check', '--json');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as { tenant: string; signed: string; check: { status: number } };
      expect(out.tenant).toBe(keys.keyGroup.tenant);
      expect(new URL(out.signed).searchParams.get('Key-Pair-Id')).toBe(keys.keyGroup.keyPairId);
      expect(out.check.status).toBe(200);
    });

    it('says the edge refuses a URL signed with the wrong secret, and exits 1', async () => {
      const wrong = join(dir, 'wrong.secret');
      await writeFile(wrong, 'x'.repeat(43));
      const run = await cli('sign', path(keys.hmac.tenant), '--secret-file', wrong, '--kid', keys.hmac.kid, '--check');
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/the edge refuses it: 403/);
    });

    it('refuses incomplete key options with the reason and its own usage', async () => {
      const run = await cli('sign', path('demo'), '--kid', 'k1');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^imgedge: hmac signing needs both --secret-file and --kid\nusage: npm run imgedge -- sign/);
      expect(run.stderr).not.toContain('npm run sign --');
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });
  });

  describe('user mistakes: a clear message, no stack trace, a non-zero exit', () => {
    it('an unknown command', async () => {
      const run = await cli('frobnicate');
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toContain("imgedge: unknown command 'frobnicate': the commands are upload, snippet, sign, takedown, flush, executions, redrive");
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });

    it('upload without --tenant', async () => {
      const run = await cli('upload', dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('upload needs --tenant');
      expect(run.stderr).toContain('usage: npm run imgedge -- upload <dir> --tenant T');
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });

    it('an unknown option', async () => {
      const run = await cli('executions', '--faild');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/executions: Unknown option '--faild'/);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });

    it('an unknown status', async () => {
      const run = await cli('executions', '--status', 'bogus');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--status must be one of RUNNING, SUCCEEDED, FAILED');
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });

    it('no stack running at the endpoint', async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const run = await imgedge(['executions', '--endpoint', endpoint]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`imgedge: no local stack at ${endpoint}: start it with npm start`);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });
  });
});
