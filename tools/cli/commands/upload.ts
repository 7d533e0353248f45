/**
 * upload: a folder of originals to the running stack, a few at a time; then
 * waits for each upload execution (validate, record, start render) and its
 * render to settle, so the summary can say what was rejected and why, and
 * how many variants are ready.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { isSourceExtension, type SourceExtension } from '../../../core/index.ts';
import { type ExecutionSummary, failure, formatMs, nextStep, type ObjectCreatedEvent, OperationFailed, type OpsClient, subject } from '../../../infra/local/ops/index.ts';
import { positiveInteger, report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';
import { createProgress } from '../progress.ts';

/** Uploads in flight at once: each starts an upload and a render of 4 variants at a time, on a 2-core laptop. */
export const UPLOAD_CONCURRENCY = 4;
/** How long to wait for every execution to settle before giving up on the summary. */
export const DEFAULT_SETTLE_TIMEOUT_SECONDS = 300;
const POLL_MS = 200;

const CONTENT_TYPES: Readonly<Record<SourceExtension, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
};

type Outcome =
  | { readonly file: string; readonly key: string; readonly result: 'ready'; readonly variants: number }
  | { readonly file: string; readonly key: string; readonly result: 'rejected'; readonly reason: string; readonly execution?: string }
  | { readonly file: string; readonly key: string; readonly result: 'failed'; readonly error: string; readonly nextStep: string; readonly execution: string }
  | { readonly file: string; readonly key: string; readonly result: 'timed out'; readonly execution?: string };

interface Pending {
  readonly file: string;
  readonly key: string;
  readonly etag: string;
  upload?: ExecutionSummary;
}

export const upload: Command = {
  summary: 'upload a folder of originals, wait for validation and rendering, summarize (exit 1 when any was rejected)',
  usage: `upload <dir> --tenant T [--prefix P] [--concurrency N (default ${UPLOAD_CONCURRENCY})] [--timeout SECONDS (default ${DEFAULT_SETTLE_TIMEOUT_SECONDS})]`,
  options: { tenant: { type: 'string' }, prefix: { type: 'string' }, concurrency: { type: 'string' }, timeout: { type: 'string' } },
  async run(context, values, positionals) {
    const [dir, ...extra] = positionals;
    if (!dir || extra.length > 0) throw new UsageError('upload takes one folder of originals');
    const tenant = values.tenant as string | undefined;
    if (!tenant) throw new UsageError('upload needs --tenant: the tenant the originals belong to, e.g. --tenant demo');
    const concurrency = positiveInteger(values.concurrency, UPLOAD_CONCURRENCY, '--concurrency');
    const timeoutMs = positiveInteger(values.timeout, DEFAULT_SETTLE_TIMEOUT_SECONDS, '--timeout') * 1000;
    const prefix = ((values.prefix as string | undefined) ?? '').replace(/^\/+|\/+$/g, '');
    const files = await filesIn(dir);
    if (files.length === 0) throw new UsageError(`${dir} has no files to upload`);

    const started = performance.now();
    const known = new Set((await context.ops.executions({ stateMachine: 'upload' })).map((e) => e.id));
    const progress = createProgress(files.length);
    const outcomes: Outcome[] = [];
    const pending: Pending[] = [];
    const settle = () => progress.update(outcomes.length, `${outcomes.length} settled, ${pending.length} in the pipeline`);

    await pool(files, concurrency, async (file) => {
      const key = [tenant, prefix, file.split(sep).join('/')].filter(Boolean).join('/');
      let body: Buffer;
      try {
        body = await readFile(join(dir, file));
      } catch (err) {
        outcomes.push({ file, key, result: 'rejected', reason: `cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
        return settle();
      }
      const ext = extname(file).slice(1).toLowerCase();
      try {
        await context.ops.upload(key, body, isSourceExtension(ext) ? CONTENT_TYPES[ext] : 'application/octet-stream');
        pending.push({ file, key, etag: createHash('md5').update(body).digest('hex') });
      } catch (err) {
        if (!(err instanceof OperationFailed) || err.status >= 500) throw err;
        outcomes.push({ file, key, result: 'rejected', reason: err.message });
      }
      settle();
    });
    outcomes.push(...(await settleAll(context.ops, pending, known, timeoutMs, (done) => {
      outcomes.push(done);
      settle();
    })));
    progress.finish();

    const by = (result: Outcome['result']) => outcomes.filter((o) => o.result === result);
    const uploaded = files.length - by('rejected').filter((o) => !('execution' in o) || o.execution === undefined).length;
    report(context, { tenant, files: files.length, uploaded, outcomes: outcomes.sort((a, b) => a.file.localeCompare(b.file)) }, () => summaryLines(tenant, files.length, uploaded, outcomes, performance.now() - started));
    const bad = outcomes.length - by('ready').length;
    if (bad > 0) throw new OperationIncomplete(`${bad} of ${files.length} originals are not ready: see the summary above`);
  },
};

/**
 * Follows each uploaded file to its upload execution (a new one for its key and
 * etag: S3 events start them) and on to its render; `onSettled` hears each as it
 * finishes, and what is still running at the deadline comes back as timed out.
 */
async function settleAll(ops: OpsClient, pending: Pending[], known: ReadonlySet<string>, timeoutMs: number, onSettled: (outcome: Outcome) => void): Promise<Outcome[]> {
  const deadline = performance.now() + timeoutMs;
  while (pending.length > 0 && performance.now() < deadline) {
    const uploads = await ops.executions({ stateMachine: 'upload' });
    for (const item of [...pending]) {
      item.upload = uploads.find((e) => !known.has(e.id) && subject(e) === item.key && (e.input as ObjectCreatedEvent).detail.object.etag === item.etag);
      const outcome = item.upload && (await outcomeOf(ops, item, item.upload));
      if (!outcome) continue;
      pending.splice(pending.indexOf(item), 1);
      onSettled(outcome);
    }
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return pending.map((item) => ({ file: item.file, key: item.key, result: 'timed out', execution: item.upload?.id }));
}

/** The file's outcome once its executions settled, or undefined while one still runs. */
async function outcomeOf(ops: OpsClient, item: Pending, execution: ExecutionSummary): Promise<Outcome | undefined> {
  const { file, key } = item;
  if (execution.status === 'RUNNING') return undefined;
  if (execution.status === 'FAILED') {
    if (execution.error === 'OriginalRejected') return { file, key, result: 'rejected', reason: execution.cause ?? 'rejected', execution: execution.id };
    return { file, key, result: 'failed', error: failure(execution), nextStep: nextStep(execution), execution: execution.id };
  }
  const renderId = (execution.output as { render?: { ExecutionArn?: string } } | undefined)?.render?.ExecutionArn;
  if (!renderId) return { file, key, result: 'failed', error: 'the upload succeeded without starting a render', nextStep: 'redrive the upload', execution: execution.id };
  const render = await ops.execution(renderId);
  if (render.status === 'RUNNING') return undefined;
  if (render.status === 'FAILED') return { file, key, result: 'failed', error: failure(render), nextStep: nextStep(render), execution: render.id };
  return { file, key, result: 'ready', variants: (await ops.variants(key)).variants.length };
}

function summaryLines(tenant: string, files: number, uploaded: number, outcomes: readonly Outcome[], ms: number): string[] {
  const lines = [`${uploaded} of ${files} files uploaded to tenant ${tenant} in ${formatMs(ms)}`];
  for (const o of outcomes) {
    if (o.result === 'ready') lines.push(`  ready     ${o.key}  ${o.variants} variants`);
    else if (o.result === 'rejected') lines.push(`  rejected  ${o.key}  ${o.reason}`);
    else if (o.result === 'failed') lines.push(`  failed    ${o.key}  ${o.error}`, `            ${o.nextStep}: npm run imgedge -- redrive ${o.execution}`);
    else lines.push(`  running   ${o.key}  still running: npm run imgedge -- executions`);
  }
  const count = (result: Outcome['result']) => outcomes.filter((o) => o.result === result).length;
  lines.push(`${count('ready')} ready · ${count('rejected')} rejected · ${count('failed')} failed · ${count('timed out')} still running`);
  if (count('rejected') > 0) lines.push('rejected files were not kept (quarantined when the pipeline refused them): fix them and upload again');
  return lines;
}

/** Every file below `dir`, relative to it; dotfiles and dot-folders skipped. */
async function filesIn(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a folder: upload takes a folder of originals`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(sep).some((part) => part.startsWith('.')))
    .sort();
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
