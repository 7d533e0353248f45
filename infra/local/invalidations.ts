/**
 * CloudFront's invalidation API as the local stack needs it: CreateInvalidation
 * (what the flush workflow's SDK integration calls) and GetInvalidation (what
 * read-invalidation-queue asks about batches in flight). It keeps CloudFront's
 * CallerReference rule, so a resent batch is visibly not a second invalidation.
 */
import { randomUUID } from 'node:crypto';
import type { AppendLog } from './append-log.ts';

export interface InvalidationBatch {
  readonly CallerReference: string;
  readonly Paths: { readonly Quantity: number; readonly Items: readonly string[] };
}

export interface CreateInvalidationResult {
  readonly Location: string;
  readonly Invalidation: { readonly Id: string; readonly Status: 'InProgress' | 'Completed'; readonly CreateTime: string; readonly InvalidationBatch: InvalidationBatch };
}

export interface InvalidationRecord {
  readonly id: string;
  readonly callerReference: string;
  readonly paths: readonly string[];
  readonly createdAt: number;
  /** Calls that named this CallerReference again and got the same invalidation back. */
  resends: number;
}

/** What the log keeps: a new invalidation, or a resend of the one with that CallerReference. */
export type InvalidationChange = InvalidationRecord | { readonly resent: string };

export interface InvalidationStats {
  readonly submitted: number;
  readonly resends: number;
  readonly pathsSubmitted: number;
  readonly wildcardsSubmitted: number;
  /** Exact paths and wildcard paths of invalidations still in progress. */
  readonly inFlight: { readonly paths: number; readonly wildcards: number };
  /** CloudFront's in-progress quotas `inFlight` counts against. */
  readonly quotas: { readonly paths: number; readonly wildcards: number };
}

export interface LocalInvalidations {
  create(distributionId: string, batch: InvalidationBatch): CreateInvalidationResult;
  /** GetInvalidation: the invalidation `id` of the distribution `distributionId`. */
  get(distributionId: string, id: string): CreateInvalidationResult['Invalidation'];
  readonly records: readonly InvalidationRecord[];
  stats(): InvalidationStats;
}

/**
 * CloudFront's API errors as a Step Functions SDK integration names them, so the
 * workflow's Retry/Catch match as on AWS: `CloudFront.` + the error code, with an
 * `Exception` suffix even where the API reference has none.
 */
export class CloudFrontApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = `CloudFront.${code}Exception`;
  }

  /**
   * The HTTP status CloudFront answers the error with (the API's error shapes, as the
   * CloudFront SDK models them: AccessDenied 403, NoSuchDistribution and NoSuchInvalidation
   * 404, InvalidArgument and TooManyInvalidationsInProgress 400); 400 for any other.
   */
  get status(): number {
    return ({ AccessDenied: 403, NoSuchDistribution: 404, NoSuchInvalidation: 404 } as Record<string, number>)[this.code] ?? 400;
  }
}

/**
 * CloudFront's own quotas (docs/aws-limits.md §C), enforced here so a planner bug
 * fails locally too. They are independent: exact paths count against one,
 * wildcard paths against the other.
 */
const MAX_PATHS_IN_PROGRESS = 3_000;
const MAX_WILDCARDS_IN_PROGRESS = 15;

const isWildcard = (path: string) => path.endsWith('*');

export function createLocalInvalidations(options: {
  distributionId: string;
  /** Drops the paths from the local edge cache; called when the invalidation is created. */
  apply: (paths: readonly string[]) => void;
  /** How long an invalidation stays in progress (CloudFront: typically one to five minutes). */
  completeAfterMs: () => number;
  now?: () => number;
  /** Where each invalidation (and each resend of one) is kept across restarts. */
  log?: AppendLog<InvalidationChange>;
}): LocalInvalidations {
  const now = options.now ?? Date.now;
  const records: InvalidationRecord[] = [];
  const byReference = new Map<string, InvalidationRecord>();
  for (const change of options.log?.read() ?? []) {
    if ('resent' in change) {
      const record = byReference.get(change.resent);
      if (record) record.resends++;
      continue;
    }
    records.push(change);
    byReference.set(change.callerReference, change);
  }
  // Compacted: each record once, with its resends counted in it.
  options.log?.rewrite(records);
  const done = (record: InvalidationRecord) => now() - record.createdAt >= options.completeAfterMs();

  function inFlight() {
    let paths = 0;
    let wildcards = 0;
    for (const record of records) {
      if (done(record)) continue;
      const recordWildcards = record.paths.filter(isWildcard).length;
      paths += record.paths.length - recordWildcards;
      wildcards += recordWildcards;
    }
    return { paths, wildcards };
  }

  function result(record: InvalidationRecord): CreateInvalidationResult {
    return {
      Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${options.distributionId}/invalidation/${record.id}`,
      Invalidation: {
        Id: record.id,
        Status: done(record) ? 'Completed' : 'InProgress',
        CreateTime: new Date(record.createdAt).toISOString(),
        InvalidationBatch: { CallerReference: record.callerReference, Paths: { Quantity: record.paths.length, Items: record.paths } },
      },
    };
  }

  return {
    records,
    create(distributionId, batch) {
      if (distributionId !== options.distributionId) throw new CloudFrontApiError('NoSuchDistribution', `no distribution ${distributionId}`);
      const paths = batch.Paths.Items;
      if (paths.length !== batch.Paths.Quantity || paths.length === 0) throw new CloudFrontApiError('InvalidArgument', 'Paths.Quantity must equal the number of Items (at least 1)');
      const bad = paths.find((p) => !p.startsWith('/') || ![-1, p.length - 1].includes(p.indexOf('*')));
      if (bad !== undefined) throw new CloudFrontApiError('InvalidArgument', `invalid path ${bad}`);
      const existing = byReference.get(batch.CallerReference);
      if (existing) {
        const same = existing.paths.length === paths.length && existing.paths.every((p, i) => p === paths[i]);
        if (!same) throw new CloudFrontApiError('InvalidationBatchAlreadyExists', `CallerReference ${batch.CallerReference} was used for other paths`);
        existing.resends++;
        options.log?.append({ resent: existing.callerReference });
        return result(existing);
      }
      const load = inFlight();
      const wildcards = paths.filter(isWildcard).length;
      if (load.paths + paths.length - wildcards > MAX_PATHS_IN_PROGRESS || load.wildcards + wildcards > MAX_WILDCARDS_IN_PROGRESS) {
        throw new CloudFrontApiError('TooManyInvalidationsInProgress', 'too many invalidations in progress');
      }
      const record: InvalidationRecord = { id: `I${randomUUID().replaceAll('-', '').slice(0, 13).toUpperCase()}`, callerReference: batch.CallerReference, paths: [...paths], createdAt: now(), resends: 0 };
      options.log?.append(record);
      records.push(record);
      byReference.set(record.callerReference, record);
      options.apply(record.paths);
      return result(record);
    },
    get(distributionId, id) {
      if (distributionId !== options.distributionId) throw new CloudFrontApiError('NoSuchDistribution', `no distribution ${distributionId}`);
      const record = records.find((r) => r.id === id);
      if (!record) throw new CloudFrontApiError('NoSuchInvalidation', `no invalidation ${id}`);
      return result(record).Invalidation;
    },
    stats() {
      const sent = records.flatMap((r) => r.paths);
      return {
        submitted: records.length,
        resends: records.reduce((n, r) => n + r.resends, 0),
        pathsSubmitted: sent.length,
        wildcardsSubmitted: sent.filter(isWildcard).length,
        inFlight: inFlight(),
        quotas: { paths: MAX_PATHS_IN_PROGRESS, wildcards: MAX_WILDCARDS_IN_PROGRESS },
      };
    },
  };
}

const xmlText = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

/** CloudFront's GetInvalidation over HTTP (REST-XML, API version 2020-05-31), for the deployed task code behind the IAM gate. */
export function invalidationsApi(invalidations: LocalInvalidations) {
  return (request: { method: string; url: string }) => {
    const [, distributionId, id] = /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/?]+)\/invalidation\/([^/?]+)$/.exec(request.url.split('?')[0]!) ?? [];
    if (request.method !== 'GET' || !distributionId || !id) {
      return { status: 501, headers: { 'content-type': 'text/plain' }, body: 'the local CloudFront API serves GetInvalidation only' };
    }
    try {
      const { Id, Status, CreateTime, InvalidationBatch } = invalidations.get(decodeURIComponent(distributionId), decodeURIComponent(id));
      const paths = InvalidationBatch.Paths.Items.map((path) => `<Path>${xmlText(path)}</Path>`).join('');
      const body =
        `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>${Id}</Id><Status>${Status}</Status>` +
        `<CreateTime>${CreateTime}</CreateTime><InvalidationBatch><Paths><Quantity>${InvalidationBatch.Paths.Quantity}</Quantity><Items>${paths}</Items></Paths>` +
        `<CallerReference>${xmlText(InvalidationBatch.CallerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
      return { status: 200, headers: { 'content-type': 'text/xml' }, body };
    } catch (error) {
      if (!(error instanceof CloudFrontApiError)) throw error;
      const body = `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${xmlText(error.message)}</Message></Error></ErrorResponse>`;
      return { status: error.status, headers: { 'content-type': 'text/xml' }, body };
    }
  };
}
