/**
 * S3 Cross-Region Replication, stood in for: every object created or
 * deleted in the primary originals bucket is copied to (or deleted from)
 * each replica after `delayMs`, in order per key, retrying while a replica
 * region is down, as CRR does. Given a log, each key waiting to replicate is
 * kept there until it has, and a restart replicates what a stop or crash left
 * waiting (as it stands in the source now), so no replica stays behind.
 */
import type { ObjectStore } from '../../core/storage/index.ts';
import type { AppendLog } from './append-log.ts';
import type { S3Endpoint } from './s3-emulator.ts';

/** Originals are bounded at upload; replication copies whatever is there. */
const MAX_REPLICATED_BYTES = 1024 * 1024 * 1024;
const RETRY_MS = 250;

export interface ReplicationOptions {
  readonly source: S3Endpoint;
  readonly sourceStore: ObjectStore;
  readonly replicas: readonly ObjectStore[];
  /** Replication lag; tests raise it to observe reads before a replica has caught up. */
  readonly delayMs: () => number;
  /** Where keys waiting to replicate are kept across restarts. */
  readonly log?: AppendLog<ReplicationChange>;
}

/** A key's replication was queued (`waiting`) or reached every replica (`done`). */
export type ReplicationChange = { readonly waiting: string } | { readonly done: string };

export interface Replication {
  /** Resolves once everything queued so far has reached every replica. */
  settled(): Promise<void>;
  stop(): void;
}

export function startReplication(options: ReplicationOptions): Replication {
  const chains = new Map<string, Promise<void>>();
  let stopped = false;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function untilDone(action: () => Promise<unknown>) {
    while (!stopped) {
      try {
        await action();
        return;
      } catch {
        await sleep(RETRY_MS);
      }
    }
  }

  async function replicate(created: boolean, key: string) {
    await sleep(options.delayMs());
    if (!created) {
      await Promise.all(options.replicas.map((replica) => untilDone(() => replica.delete(key))));
      return;
    }
    let object: Awaited<ReturnType<ObjectStore['get']>>;
    await untilDone(async () => (object = await options.sourceStore.get(key, { maxBytes: MAX_REPLICATED_BYTES })));
    if (!object) return; // deleted before it replicated; the delete event follows
    const { body, contentType, metadata } = object;
    await Promise.all(
      options.replicas.map((replica) => untilDone(() => replica.put(key, body, { contentType: contentType ?? 'application/octet-stream', ...(metadata && { metadata }) }))),
    );
  }

  function enqueue(key: string, created: () => Promise<boolean>) {
    options.log?.append({ waiting: key });
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => replicate(await created(), key));
    chains.set(key, next);
    void next.then(() => {
      if (chains.get(key) !== next) return;
      chains.delete(key);
      if (stopped) return;
      // Nothing waits: the log starts over, so it holds at most what is waiting and its dones.
      if (chains.size === 0) options.log?.rewrite([]);
      else options.log?.append({ done: key });
    });
  }

  const left = new Set<string>();
  for (const change of options.log?.read() ?? []) {
    if ('waiting' in change) left.add(change.waiting);
    else left.delete(change.done);
  }
  // Compacted to what still waits: enqueue appends each again, a crash before then keeps them.
  options.log?.rewrite([...left].map((key) => ({ waiting: key })));
  for (const key of left) enqueue(key, async () => {
    let found = false;
    await untilDone(async () => (found = await options.sourceStore.exists(key)));
    return found;
  });

  options.source.onObjectEvent((event) => {
    if (event.bucket !== options.sourceStore.bucket) return;
    const created = event.name.startsWith('ObjectCreated');
    enqueue(event.key, async () => created);
  });

  return {
    async settled() {
      while (chains.size > 0) await Promise.all(chains.values());
    },
    stop() {
      stopped = true;
    },
  };
}
