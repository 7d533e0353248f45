/**
 * S3 for the local stack: one s3rver (an in-process S3 emulator) per
 * "region", each behind a small gate that stands in for what s3rver lacks
 * or what tests need to provoke:
 *  - faults: a region that answers 503, or never answers (timeout);
 *  - conditional requests, which S3 has and s3rver ignores: `If-None-Match: *` on a PUT,
 *    `If-Match` on a DELETE, `x-amz-copy-source-if-match` on a copy (→ 412);
 *  - request counters per region (origin fetches in /_local/stats);
 * and with a store as consistent as S3's (./s3-store.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { loopbackOnly } from './loopback-guard.ts';
import { KeyLocks } from './key-locks.ts';
import { ConsistentFilesystemStore, intentsOfRequest } from './s3-store.ts';

export const FAULTS = ['none', 'unavailable', 'timeout'] as const;
export type Fault = (typeof FAULTS)[number];

/** Requests carrying this User-Agent tag are S3-internal (replication) and not counted. */
export const INTERNAL_USER_AGENT = 'imgedge-internal';

export interface EndpointCounters {
  get: number;
  head: number;
  put: number;
  delete: number;
}

export interface S3ObjectEvent {
  /** s3rver's event name, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  readonly name: string;
  readonly bucket: string;
  /** The key as stored (not URL-encoded). */
  readonly key: string;
  /** Present on ObjectCreated events. */
  readonly etag?: string;
  readonly size?: number;
}

export interface S3Endpoint {
  readonly name: string;
  readonly url: string;
  readonly buckets: readonly string[];
  readonly counters: EndpointCounters;
  fault: Fault;
  onObjectEvent(listener: (event: S3ObjectEvent) => void): void;
}

export interface S3Emulator {
  endpoint(name: string): S3Endpoint;
  readonly endpoints: readonly S3Endpoint[];
  /** Sends the events of the changes a crash left unannounced (recovered on start), once the stack listens. */
  announceRecovered(): Promise<void>;
  stop(): Promise<void>;
}

/** With `directory` the buckets are kept there across restarts; without, in a temporary one deleted on stop. */
export async function startS3Emulator(layout: Readonly<Record<string, readonly string[]>>, directory?: string): Promise<S3Emulator> {
  const root = directory ?? (await mkdtemp(join(tmpdir(), 'imgedge-s3-')));
  const started = await Promise.all(
    Object.entries(layout).map(([name, buckets]) => startEndpoint(name, buckets, join(root, name))),
  );
  const byName = new Map(started.map((e) => [e.endpoint.name, e.endpoint]));
  return {
    endpoints: started.map((e) => e.endpoint),
    announceRecovered: async () => void (await Promise.all(started.map((e) => e.announceRecovered()))),
    endpoint(name) {
      const endpoint = byName.get(name);
      if (!endpoint) throw new Error(`no S3 endpoint named ${name}`);
      return endpoint;
    },
    async stop() {
      await Promise.all(started.map((e) => e.stop()));
      if (!directory) await rm(root, { recursive: true, force: true });
    },
  };
}

/** What s3rver (a Koa app) offers beyond its published typings. */
interface S3rverApp {
  configureBuckets(): Promise<void>;
  /** Koa's: the promise settles once the request was handled (its event, if any, emitted). */
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  emit(event: 'event', payload: S3rverEvent): boolean;
  store: { existsObject(bucket: string, key: string): Promise<boolean>; getMetadata(bucket: string, key: string): Promise<{ etag: string }> };
  context: { store: unknown };
}
interface S3rverEvent {
  Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string } } }>;
}

async function startEndpoint(name: string, buckets: readonly string[], directory: string) {
  const s3rver = new S3rver({
    directory,
    silent: true,
    configureBuckets: buckets.map((b) => ({ name: b, configs: [] })),
  }) as unknown as S3rverApp;
  const store = new ConsistentFilesystemStore(directory, `${directory}.staging`);
  await store.recover();
  s3rver.store = s3rver.context.store = store;
  await s3rver.configureBuckets();
  const s3 = s3rver.callback();
  const counters: EndpointCounters = { get: 0, head: 0, put: 0, delete: 0 };
  const held = new Set<ServerResponse>();
  const conditionals = new KeyLocks();

  const endpoint: S3Endpoint = {
    name,
    url: '',
    buckets,
    counters,
    fault: 'none',
    onObjectEvent(listener) {
      s3rver.on('event', (event) => {
        for (const { eventName, s3 } of event.Records) {
          // @types/s3rver declares only the key; s3rver sends eTag and size on ObjectCreated.
          const object = s3.object as { key: string; eTag?: string; size?: number };
          listener({ name: eventName, bucket: s3.bucket.name, key: object.key, etag: object.eTag, size: object.size });
        }
      });
    },
  };

  const server: Server = createServer(loopbackOnly((req, res) => {
    if (!String(req.headers['user-agent'] ?? '').includes(INTERNAL_USER_AGENT)) count(counters, req.method);
    if (endpoint.fault === 'unavailable') return s3Error(res, 503, 'ServiceUnavailable', `region ${name} is down (local fault)`);
    if (endpoint.fault === 'timeout') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const precondition = preconditionOf(req);
    if (precondition) return conditional(req, res, precondition);
    serve(req, res);
  }));

  /**
   * s3rver's answer, with the intents of what it changed removed once it has handled the request
   * (./s3-store.ts): then its event is out, whether or not the client is still there.
   */
  function serve(req: IncomingMessage, res: ServerResponse) {
    const intents: string[] = [];
    void intentsOfRequest.run(intents, () => s3(req, res)).finally(() => Promise.all(intents.map((intent) => rm(intent, { force: true }))));
  }

  /** Whether the object at `bucket/key` has ETag `expected`: 404 when there is none, 412 when it has another. */
  async function etagCondition(bucket: string, key: string, expected: string): Promise<number | undefined> {
    if (!(await s3rver.store.existsObject(bucket, key))) return 404;
    return String((await s3rver.store.getMetadata(bucket, key)).etag).replace(/"/g, '') === expected ? undefined : 412;
  }

  /**
   * What S3 checks before a conditional write and s3rver does not: a PUT with If-None-Match: *
   * (the key must be free), a DELETE with If-Match and a copy with x-amz-copy-source-if-match
   * (the object, or the copy's source, must have that ETag).
   */
  function preconditionOf(req: IncomingMessage): ((bucket: string, key: string) => Promise<number | undefined>) | undefined {
    const unquoted = (value: string | string[] | undefined) => (typeof value === 'string' ? value.replace(/"/g, '') : undefined);
    if (req.method === 'PUT' && req.headers['if-none-match'] === '*') return async (bucket, key) => ((await s3rver.store.existsObject(bucket, key)) ? 412 : undefined);
    const ifMatch = unquoted(req.headers['if-match']);
    if (req.method === 'DELETE' && ifMatch !== undefined) return (bucket, key) => etagCondition(bucket, key, ifMatch);
    const sourceIfMatch = unquoted(req.headers['x-amz-copy-source-if-match']);
    const source = req.headers['x-amz-copy-source'];
    if (req.method === 'PUT' && sourceIfMatch !== undefined && typeof source === 'string') {
      return () => etagCondition(...bucketAndKey(`/${decodeURIComponent(source).replace(/^\//, '').split('?')[0]}`), sourceIfMatch);
    }
    return undefined;
  }

  /** One conditional request per key at a time, held until its answer is out, so check-then-act cannot race. */
  function conditional(req: IncomingMessage, res: ServerResponse, precondition: (bucket: string, key: string) => Promise<number | undefined>) {
    const [bucket, key] = bucketAndKey(req.url ?? '/');
    return conditionals.hold(`${bucket}/${key}`, async () => {
      const answered = new Promise((resolve) => res.on('close', resolve));
      const refused = await precondition(bucket, key);
      if (refused === undefined) serve(req, res);
      else {
        req.resume();
        if (refused === 404) s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        else s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      await answered;
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (endpoint as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    announceRecovered: () =>
      store.announceRecovered(async ({ bucket, key, created }) => {
        // Announced as the key stands now: a later change of it (its own event sent) is not undone.
        if ((await s3rver.store.existsObject(bucket, key)) !== created) return;
        const metadata = created ? ((await store.getMetadata(bucket, key)) as { etag: string; 'content-length'?: string }) : undefined;
        const object = { key, ...(metadata && { eTag: metadata.etag.replace(/"/g, ''), size: Number(metadata['content-length'] ?? 0) }) };
        s3rver.emit('event', { Records: [{ eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete', s3: { bucket: { name: bucket }, object } }] });
      }),
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function count(counters: EndpointCounters, method: string | undefined) {
  if (method === 'GET') counters.get++;
  else if (method === 'HEAD') counters.head++;
  else if (method === 'PUT') counters.put++;
  else if (method === 'DELETE') counters.delete++;
}

function bucketAndKey(url: string): [bucket: string, key: string] {
  const path = url.split('?')[0] ?? '/';
  const slash = path.indexOf('/', 1);
  if (slash < 0) return [decodeURIComponent(path.slice(1)), ''];
  return [decodeURIComponent(path.slice(1, slash)), decodeURIComponent(path.slice(slash + 1))];
}

function s3Error(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}
