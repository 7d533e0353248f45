/**
 * upload: a folder of originals to the running stack, a few at a time (a 503 is sent again after
 * its Retry-After: upload-retry.ts); then follows each stored file to its upload execution
 * (validate, record, start render) and its render, so the summary says of every file whether it
 * is ready (its variants rendered) or rejected, and why.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { BAD_FOCUS, formatFocalPoint, isSourceExtension, parseFocalPoint, type SourceExtension } from '../../../core/index.ts';
import { uploadVersion } from '../../../core/storage/index.ts';
import { type ExecutionSummary, failure, formatMs, nextStep, type ObjectCreatedEvent, type OpsClient, subject } from '../../../infra/local/ops/index.ts';
import { positiveInteger, report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { MAX_UPLOAD_ATTEMPTS, putWithRetries } from '../upload-retry.ts';

/** Uploads in flight at once: each starts an upload and a render of 4 variants at a time, on a 2-core laptop. */
export const UPLOAD_CONCURRENCY = 4;
/** How long to wait with no file settling (none ready or rejected) before giving up on the summary. */
export const DEFAULT_SETTLE_TIMEOUT_SECONDS = 300;
/** How often the executions are read while files are in the pipeline: each read lists every upload and render. */
export const POLL_MS = 500;

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
  | { readonly file: string; readonly key: string; readonly result: 'ready'; readonly variants: number; readonly unchanged?: true; readonly retries?: number }
  | { readonly file: string; readonly key: string; readonly result: 'rejected'; readonly reason: string; readonly execution?: string; readonly retries?: number }
  | { readonly file: string; readonly key: string; readonly result: 'failed'; readonly error: string; readonly nextStep: string; readonly execution: string; readonly retries?: number }
  | { readonly file: string; readonly key: string; readonly result: 'timed out'; readonly execution?: string };

interface Pending {
  readonly file: string;
  readonly key: string;
  readonly etag: string;
  /** The upload's version, as the pipeline records it: the ETag, and the focal point when sent (core/storage/original-version.ts). */
  readonly version: string;
  /** PUTs sent again after a 503 or no answer. */
  readonly retries: number;
  upload?: ExecutionSummary;
}

export const upload: Command = {
  summary: 'upload a folder of originals, wait for validation and rendering, summarize (exit 1 when any is not ready)',
  usage: `upload <dir> --tenant T [--prefix P] [--focus X,Y (each file's focal point for cover crops, fractions 0..1)] [--concurrency N (default ${UPLOAD_CONCURRENCY})] [--timeout SECONDS with no file settling (default ${DEFAULT_SETTLE_TIMEOUT_SECONDS})]`,
  options: { tenant: { type: 'string' }, prefix: { type: 'string' }, focus: { type: 'string' }, concurrency: { type: 'string' }, timeout: { type: 'string' } },
  async run(context, values, positionals) {
    const [dir, ...extra] = positionals;
    if (!dir || extra.length > 0) throw new UsageError('upload takes one folder of originals');
    const tenant = values.tenant as string | undefined;
    if (!tenant) throw new UsageError('upload needs --tenant: the tenant the originals belong to, e.g. --tenant demo');
    const concurrency = positiveInteger(values.concurrency, UPLOAD_CONCURRENCY, '--concurrency');
    const timeoutMs = positiveInteger(values.timeout, DEFAULT_SETTLE_TIMEOUT_SECONDS, '--timeout') * 1000;
    const prefix = ((values.prefix as string | undefined) ?? '').replace(/^\/+|\/+$/g, '');
    const focus = values.focus as string | undefined;
    if (focus !== undefined && parseFocalPoint(focus) === undefined) throw new UsageError(`--focus ${focus}: ${BAD_FOCUS}`);
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
      const put = await putWithRetries(() => context.ops.upload(key, body, isSourceExtension(ext) ? CONTENT_TYPES[ext] : 'application/octet-stream', focus));
      const retries = put.attempts - 1;
      const etag = createHash('md5').update(body).digest('hex');
      if (put.stored) pending.push({ file, key, etag, version: uploadVersion(etag, focus && formatFocalPoint(parseFocalPoint(focus)!)), retries });
      else outcomes.push({ file, key, result: 'rejected', reason: put.reason, ...(retries > 0 && { retries }) });
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
 * Follows each stored file to the upload executions of its key and bytes started since the command
 * began (S3 events start them; a PUT sent again after a 503 that had been stored after all starts
 * a second one, which finds the bytes recorded and ends at NothingNew) and on to the render one of
 * them started. `onSettled` hears each file as it settles; what is still running when no file has
 * settled for `timeoutMs` comes back as timed out.
 */
async function settleAll(ops: OpsClient, pending: Pending[], known: ReadonlySet<string>, timeoutMs: number, onSettled: (outcome: Outcome) => void): Promise<Outcome[]> {
  let deadline = performance.now() + timeoutMs;
  while (pending.length > 0 && performance.now() < deadline) {
    const uploads = (await ops.executions({ stateMachine: 'upload' })).filter((e) => !known.has(e.id));
    let listed: readonly ExecutionSummary[] | undefined;
    const renders = async () => (listed ??= await ops.executions({ stateMachine: 'render' }));
    for (const item of [...pending]) {
      const mine = uploads.filter((e) => eventKey(subject(e)) === item.key && (e.input as ObjectCreatedEvent).detail.object.etag === item.etag);
      item.upload = mine.find((e) => e.status === 'RUNNING') ?? mine[0];
      const outcome = await outcomeOf(ops, item, mine, renders);
      if (!outcome) continue;
      pending.splice(pending.indexOf(item), 1);
      onSettled(outcome);
      deadline = performance.now() + timeoutMs;
    }
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return pending.map((item) => ({ file: item.file, key: item.key, result: 'timed out', execution: item.upload?.id }));
}

/** An S3 event's key as stored: the event URL-encodes it, `+` for a space (docs/aws-limits.md §D). */
const eventKey = (key: string) => decodeURIComponent(key.replaceAll('+', ' '));

/** The render an upload execution started, by its ARN. */
const renderStarted = (execution: ExecutionSummary) => (execution.output as { render?: { ExecutionArn?: string } } | undefined)?.render?.ExecutionArn;

/** The file's outcome once its executions settled, or undefined while one still runs (or none has started yet). */
async function outcomeOf(ops: OpsClient, item: Pending, uploads: readonly ExecutionSummary[], renders: () => Promise<readonly ExecutionSummary[]>): Promise<Outcome | undefined> {
  const { file, key } = item;
  const retries = retriesOf(item);
  if (uploads.length === 0 || uploads.some((e) => e.status === 'RUNNING')) return undefined;
  const rejected = uploads.find((e) => e.error === 'OriginalRejected');
  if (rejected) return { file, key, result: 'rejected', reason: rejected.cause ?? 'rejected', execution: rejected.id, ...retries };
  const withRender = uploads.find((e) => renderStarted(e));
  if (withRender) return renderOutcome(ops, item, (await renders()).find((e) => e.id === renderStarted(withRender)), false);
  const failed = uploads.find((e) => e.status === 'FAILED');
  if (failed) return { file, key, result: 'failed', error: failure(failed), nextStep: nextStep(failed), execution: failed.id, ...retries };
  // Every upload of these bytes ended without a render: they were accepted before this command
  // (NothingNew), or a later upload of the key took over (Superseded). Their render says whether they are ready.
  const earlier = (await renders()).find((e) => {
    const input = e.input as { key?: string; etag?: string } | null;
    return input?.key === key && input.etag === item.version;
  });
  if (earlier) return renderOutcome(ops, item, earlier, true);
  // A render too old to be kept (MAX_EXECUTIONS): ready if its variants are there.
  const variants = (await ops.variants(key)).variants.length;
  if (variants > 0) return { file, key, result: 'ready', variants, unchanged: true, ...retries };
  return { file, key, result: 'failed', error: 'the upload succeeded without starting a render, and the original has no variants', nextStep: 'upload the file again', execution: uploads[0]!.id };
}

/** The file's outcome by its render: undefined while it runs (or is not listed yet); `unchanged` when these bytes were accepted before this command. */
async function renderOutcome(ops: OpsClient, item: Pending, render: ExecutionSummary | undefined, unchanged: boolean): Promise<Outcome | undefined> {
  const { file, key } = item;
  if (!render || render.status === 'RUNNING') return undefined;
  if (render.status === 'FAILED') return { file, key, result: 'failed', error: failure(render), nextStep: nextStep(render), execution: render.id, ...retriesOf(item) };
  return { file, key, result: 'ready', variants: (await ops.variants(key)).variants.length, ...(unchanged && { unchanged: true as const }), ...retriesOf(item) };
}

/** The outcome's `retries` field: the PUTs sent again, when there were any. */
const retriesOf = (item: Pending): { retries?: number } => (item.retries > 0 ? { retries: item.retries } : {});

function summaryLines(tenant: string, files: number, uploaded: number, outcomes: readonly Outcome[], ms: number): string[] {
  const lines = [`${uploaded} of ${files} files uploaded to tenant ${tenant} in ${formatMs(ms)}`];
  for (const o of outcomes) {
    if (o.result === 'ready') lines.push(`  ready     ${o.key}  ${o.variants} variants${o.unchanged ? ' (unchanged: these bytes were accepted before)' : ''}`);
    else if (o.result === 'rejected') lines.push(`  rejected  ${o.key}  ${o.reason}`);
    else if (o.result === 'failed') lines.push(`  failed    ${o.key}  ${o.error}`, `            ${o.nextStep}: npm run imgedge -- redrive ${o.execution}`);
    else lines.push(`  running   ${o.key}  still running: npm run imgedge -- executions`);
  }
  const count = (result: Outcome['result']) => outcomes.filter((o) => o.result === result).length;
  lines.push(`${count('ready')} ready · ${count('rejected')} rejected · ${count('failed')} failed · ${count('timed out')} still running`);
  const retried = outcomes.filter((o) => 'retries' in o && o.retries !== undefined).length;
  if (retried > 0) lines.push(`${retried} files were sent again after the stack answered 503 (busy) or did not answer (at most ${MAX_UPLOAD_ATTEMPTS} attempts each)`);
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
