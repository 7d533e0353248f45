import { OriginsUnavailable, toErrorResponse } from '../errors.ts';
import type { ObjectStore } from './object-store.ts';

/** How long one originals region may take before we try the next replica. */
export const ORIGIN_REGION_TIMEOUT_MS = 3_000;

/**
 * After a region fails (5xx, timeout), later reads by the same reader (one
 * per warm container) try it last for this long, so a hanging region costs one
 * timeout, not one per read. Each container learns on its own; that is enough
 * to stop the bleed.
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

export interface OriginalsReaderOptions {
  /** Nearest first (regionsNearestFirst). */
  readonly originals: readonly OriginalsReplica[];
  readonly log: (entry: LogEntry) => void;
  readonly regionTimeoutMs?: number;
  /** Milliseconds since the epoch; tests move it to expire penalties. */
  readonly now?: () => number;
}

export interface OriginalRead {
  readonly body: Buffer;
  readonly region: string;
}

/** The one way originals are read, by the edge on a miss and by the render task alike. */
export interface OriginalsReader {
  /**
   * The original from the nearest replica that has it; undefined when none has
   * it. Throws OriginsUnavailable when a replica that might have it could not
   * answer, and a refusal of the original itself (SourceTooLarge) as it is.
   */
  read(key: string, maxBytes: number): Promise<OriginalRead | undefined>;
}

export function createOriginalsReader(options: OriginalsReaderOptions): OriginalsReader {
  const regionTimeoutMs = options.regionTimeoutMs ?? ORIGIN_REGION_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const penalizedUntil = new Map<string, number>();

  function replicasInOrder(): readonly OriginalsReplica[] {
    const at = now();
    const penalized = (replica: OriginalsReplica) => ((penalizedUntil.get(replica.region) ?? 0) > at ? 1 : 0);
    return [...options.originals].sort((a, b) => penalized(a) - penalized(b)); // stable: nearest-first within each group
  }

  return {
    // A 404 moves on too: a fresh upload may not have replicated yet.
    async read(key, maxBytes) {
      let unavailable = 0;
      for (const { region, store } of replicasInOrder()) {
        try {
          const object = await store.get(key, { maxBytes, signal: AbortSignal.timeout(regionTimeoutMs) });
          penalizedUntil.delete(region);
          if (object) return { region, body: object.body };
        } catch (err) {
          if (toErrorResponse(err).status < 500) throw err;
          unavailable++;
          penalizedUntil.set(region, now() + REGION_PENALTY_MS);
          options.log({ level: 'warn', message: 'originals region failed, trying the next', region, error: String(err) });
        }
      }
      if (unavailable > 0) throw new OriginsUnavailable('no originals region could answer');
      return undefined;
    },
  };
}
