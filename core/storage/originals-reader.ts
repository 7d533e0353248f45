import { OriginsUnavailable, toErrorResponse } from '../errors.ts';
import { UPLOAD_REGION } from '../regions.ts';
import { watch, type Watch } from './deadline.ts';
import type { ObjectStore } from './object-store.ts';
import type { VersionCheck } from './original-version.ts';

/**
 * How long one originals region may take to start answering (S3's response
 * headers) before the next replica is asked as well. The slow one is not
 * dropped: whichever answers first serves the read.
 */
export const ORIGIN_REGION_TIMEOUT_MS = 3_000;

/**
 * After a region fails, later reads by the same reader (one per warm container)
 * try it last for this long, so a hanging region costs one timeout, not one per
 * read. Each container learns on its own; that is enough to stop the bleed.
 */
export const REGION_PENALTY_MS = 30_000;

export interface OriginalsReplica {
  readonly region: string;
  readonly store: ObjectStore;
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly [field: string]: unknown;
}

/** The log line of a region failover (the local stack counts them per region, `regionFailovers`). */
export const REGION_FAILED_MESSAGE = 'originals region failed, trying the next';

export interface OriginalsReaderOptions {
  /** Nearest first (regionsNearestFirst). */
  readonly originals: readonly OriginalsReplica[];
  readonly log: (entry: LogEntry) => void;
  /** ORIGIN_REGION_TIMEOUT_MS unless set; a whole read gets this once per replica. */
  readonly regionTimeoutMs?: number;
  /** Milliseconds since the epoch; tests move it to expire penalties. */
  readonly now?: () => number;
}

export interface OriginalRead {
  readonly body: Buffer;
  readonly region: string;
  /** The original's user-defined metadata (its focal point: core/transform/focus.ts), when it has any. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The one way originals are read, by the edge on a miss and by the render task alike. */
export interface OriginalsReader {
  /**
   * The original from the nearest replica that has it; undefined when none has
   * it. Throws OriginsUnavailable when a replica that might have it could not
   * answer, and a refusal of the original itself (SourceTooLarge) as it is.
   * With `version`, a replica whose object is another upload of the key (one
   * replication has not reached yet, or a later one) is one that does not have it;
   * when some replica had the key but none this version, the read fails with
   * OriginsUnavailable (retried, a 503 at the edge), never with another upload's bytes.
   */
  read(key: string, maxBytes: number, version?: VersionCheck): Promise<OriginalRead | undefined>;
}

/**
 * A slow machine is not a failing region. Under CPU contention (a bulk upload
 * rendering on every core, a replay) every call is slow, and a reader that
 * gave up on a region after a fixed wall-clock time read that as outages:
 * 2,644 failovers in one bulk upload with every region healthy. So:
 *
 * - Only a real fault fails a region over: an error answer (5xx, a connection
 *   refused or reset), or no answer at all while a later region did answer, or
 *   none within the read's whole budget. Those are penalized (REGION_PENALTY_MS)
 *   and logged as REGION_FAILED_MESSAGE.
 * - The clock is the request's own: ORIGIN_REGION_TIMEOUT_MS runs from the call
 *   until S3 starts answering (the response headers, `onResponse`), not over the
 *   body, which is bandwidth, not availability; and it counts only time the
 *   process could watch (core/storage/deadline.ts: a stalled event loop or a
 *   starved process does not count against the region, and an answer that
 *   arrived meanwhile is seen before the deadline is judged).
 * - Past it, the next replica is asked too, but the slow one keeps its request:
 *   a region is judged against the other regions, not against the wall clock.
 *   On a slow machine every region is slow and the one asked first, with its
 *   head start, answers first: no failover. A region that hangs loses to the
 *   next one after one timeout, as before.
 * - The whole read gets the timeout once per replica; then it fails with
 *   OriginsUnavailable (a 503 at the edge, a retried error in the pipeline).
 *   Past that budget every request still pending is aborted, so no socket is
 *   left behind.
 */
export function createOriginalsReader(options: OriginalsReaderOptions): OriginalsReader {
  const regionTimeoutMs = options.regionTimeoutMs ?? ORIGIN_REGION_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const penalizedUntil = new Map<string, number>();

  function replicasInOrder(): readonly OriginalsReplica[] {
    const at = now();
    const penalized = (replica: OriginalsReplica) => ((penalizedUntil.get(replica.region) ?? 0) > at ? 1 : 0);
    return [...options.originals].sort((a, b) => penalized(a) - penalized(b)); // stable: nearest-first within each group
  }

  function failed(region: string, error: string) {
    penalizedUntil.set(region, now() + REGION_PENALTY_MS);
    options.log({ level: 'warn', message: REGION_FAILED_MESSAGE, region, error });
  }

  return {
    read(key, maxBytes, version) {
      const replicas = replicasInOrder();
      const budgetMs = regionTimeoutMs * replicas.length;
      return new Promise<OriginalRead | undefined>((resolve, reject) => {
        interface Leg {
          readonly region: string;
          readonly controller: AbortController;
          readonly hedge: Watch;
          answering: boolean;
          settled: boolean;
        }
        const legs: Leg[] = [];
        let started = 0;
        let unavailable = 0;
        let otherVersions = 0;
        let done = false;
        const overall = watch(budgetMs, () => {
          for (const leg of legs) {
            if (leg.settled || leg.answering) continue;
            unavailable++;
            failed(leg.region, `no answer within ${budgetMs} ms`);
          }
          finish(() => reject(new OriginsUnavailable(`no originals region answered within ${budgetMs} ms`)));
        });

        function finish(outcome: () => void) {
          if (done) return;
          done = true;
          overall.clear();
          for (const leg of legs) {
            leg.hedge.clear();
            if (!leg.settled) leg.controller.abort(new Error('the read is over'));
          }
          outcome();
        }

        /** Another replica is needed when no leg still pending is answering or within its own timeout. */
        function advance() {
          if (done) return;
          const waiting = legs.some((leg) => !leg.settled && (leg.answering || !leg.hedge.expired));
          if (!waiting && started < replicas.length) return start(replicas[started++] as OriginalsReplica);
          if (legs.every((leg) => leg.settled) && started >= replicas.length) {
            finish(() => {
              if (unavailable > 0) reject(new OriginsUnavailable('no originals region could answer'));
              else if (otherVersions > 0) reject(new OriginsUnavailable('no originals region has this upload of the original yet'));
              else resolve(undefined);
            });
          }
        }

        function start({ region, store }: OriginalsReplica) {
          const leg: Leg = {
            region,
            controller: new AbortController(),
            answering: false,
            settled: false,
            hedge: watch(regionTimeoutMs, () => {
              if (done || leg.settled || leg.answering) return;
              options.log({ level: 'info', message: 'originals region slow, asking the next as well', region, timeoutMs: regionTimeoutMs });
              advance();
            }),
          };
          legs.push(leg);
          const onResponse = () => {
            leg.answering = true;
            leg.hedge.clear();
          };
          const attempt = (resetBefore: boolean) =>
            store.get(key, { maxBytes, signal: leg.controller.signal, onResponse }).then(
              (object) => {
                leg.settled = true;
                leg.hedge.clear();
                if (done) return;
                penalizedUntil.delete(region);
                // Where uploads land, a missing key is gone, whatever a replica not yet reached by the delete holds.
                if (!object && region === UPLOAD_REGION) return finish(() => resolve(undefined));
                if (!object) return advance(); // a fresh upload may not have replicated here yet
                if (version && !version(object)) {
                  otherVersions++;
                  options.log({ level: 'info', message: 'originals region has another upload of the original, asking the next', region, key });
                  return advance();
                }
                // Regions asked before this one that have not even started answering lost to it: they hang.
                for (const earlier of legs.slice(0, legs.indexOf(leg))) {
                  if (earlier.settled || earlier.answering) continue;
                  unavailable++;
                  failed(earlier.region, `no answer after ${regionTimeoutMs} ms while ${region} answered`);
                }
                finish(() => resolve({ region, body: object.body, ...(object.metadata && { metadata: object.metadata }) }));
              },
              (err: unknown) => {
                if (done) return;
                if (!resetBefore && !leg.answering && isConnectionReset(err)) {
                  options.log({ level: 'info', message: 'originals region reset the connection, asking it again', region, error: withCauses(err) });
                  return void attempt(true);
                }
                leg.settled = true;
                leg.hedge.clear();
                // A refusal of the original itself (too large, access denied) is the same in every region.
                if (toErrorResponse(err).status < 500) return finish(() => reject(err));
                unavailable++;
                failed(region, withCauses(err));
                advance();
              },
            );
          void attempt(false);
        }

        advance();
      });
    },
  };
}

/**
 * A connection reset before any answer: the usual cause is a keep-alive connection the
 * server closed as the request went out on it (an idle timeout racing the reuse), not a
 * failing region, so the read asks the same region again once before failing it over.
 */
function isConnectionReset(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  return false;
}

/** The error and its causes: a StoreUnavailable alone does not say what the region did. */
function withCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) parts.push(String(e));
  return parts.join(' ← ');
}
