/**
 * S3 Cross-Region Replication, stood in for: every object created or
 * deleted in the primary originals bucket is copied to (or deleted from)
 * each replica after `delayMs`, in order per key, retrying while a replica
 * region is down, as CRR does.
 */
import type { ObjectStore } from '../../core/storage/index.ts';
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
}

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
    const { body, contentType } = object;
    await Promise.all(
      options.replicas.map((replica) => untilDone(() => replica.put(key, body, { contentType: contentType ?? 'application/octet-stream' }))),
    );
  }

  options.source.onObjectEvent((event) => {
    if (event.bucket !== options.sourceStore.bucket) return;
    const created = event.name.startsWith('ObjectCreated');
    const previous = chains.get(event.key) ?? Promise.resolve();
    const next = previous.then(() => replicate(created, event.key));
    chains.set(event.key, next);
    void next.then(() => {
      if (chains.get(event.key) === next) chains.delete(event.key);
    });
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
