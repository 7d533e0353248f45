/**
 * The embedded local stack: the real artifacts (the built viewer function,
 * the origin-request handler, the transformer) wired to stand-ins for the
 * AWS services only. It holds no image rules of its own.
 */
import { byRegion, freshnessAddressOf, freshnessSeed, ORIGINALS_REGIONS, slotEntry, type OriginalsRegion, type TenantConfig, tenantConfigKey, tenantConfigProblem } from '../../core/index.ts';
import { webAclRules } from '../../core/deployment/index.ts';
import { createS3Client, type ObjectStore, REGION_FAILED_MESSAGE, S3ObjectStore } from '../../core/storage/index.ts';
import { loadViewerFunction, type CloudFrontFunction } from './cloudfront-function-runtime.ts';
import { createLocalCloudFront, type EdgeResponse, type FailoverRequest, type LocalCloudFront } from './cloudfront.ts';
import type { TrustedPublicKey } from './signed-urls.ts';
import { LOCAL_DEPLOYMENT, type LocalDeployment } from './deployment.ts';
import { VersionedMap } from './key-value-store.ts';
import type { Denial } from './iam-gate.ts';
import { startOriginRequestFunction } from './origin-request-function.ts';
import { PRIMARY_REGION } from './local-aws.ts';
import { localTargets, ORIGIN_REQUEST, QUARANTINE_BUCKET, type Withhold, startLocalPipeline, type LocalPipeline, type LocalPipelineOptions, type PipelineStats } from './pipeline.ts';
import { startReplication, type Replication } from './replication.ts';
import { INTERNAL_USER_AGENT, startS3Emulator, type S3Emulator } from './s3-emulator.ts';
import { behindWebAcl, createLocalWaf, type LocalWafStats } from './waf.ts';
import { appendLog, type AppendLog } from './append-log.ts';
import { executionJournal } from './execution-journal.ts';
import { keptCounters } from './kept-counters.ts';
import { openLocalState, type LocalState, type LocalStateOptions } from './local-state.ts';
import { RenderCapacity, type RenderSlotStats } from './render-capacity.ts';
import { join } from 'node:path';

export { PRIMARY_REGION };
export const VARIANTS_ENDPOINT = 'variants';
export const VARIANTS_BUCKET = 'imgedge-variants';
export const originalsBucket = (region: OriginalsRegion): string => `imgedge-originals-${region}`;

/** The local edge cache; small enough that eviction is observable in a long session. */
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

export interface LocalStackOptions {
  /** Replication lag from the primary region to the replicas. */
  readonly replicationDelayMs?: number;
  readonly cacheMaxBytes?: number;
  /** The edge cache's clock in milliseconds (tests: the freshness window passes at once). */
  readonly edgeClock?: () => number;
  /** How long the origin handler waits on one originals region before the next. */
  readonly regionTimeoutMs?: number;
  /** The region Lambda@Edge "runs in": decides which replica is nearest. */
  readonly edgeRegion?: string;
  /** What the render origin's trigger gets on failover (LocalCloudFrontOptions.failoverRequest). */
  readonly failoverRequest?: FailoverRequest;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Takes one action out of one function's role (tests: what a forgotten grant does). */
  readonly withhold?: Withhold;
  /** Tenants' hotlink rules and the WAF mode and rate limit (infra/local/deployment.ts by default). */
  readonly deployment?: LocalDeployment;
  /** The pipeline's knobs; `startUploadOnObjectCreated: false` leaves uploads to the edge path alone. */
  readonly pipeline?: Pick<
    LocalPipelineOptions,
    'startUploadOnObjectCreated' | 'flushEveryMs' | 'invalidationCompletesAfterMs' | 'retryIntervalMs' | 'waitMs'
  >;
  /** Where the stack keeps its state across restarts (./local-state.ts); by default a temporary directory, deleted on stop. */
  readonly state?: LocalStateOptions;
  /** Renders at once (LOCAL_RENDER_SLOTS by default; the bench compares it with more); the pipeline's execution bounds follow it (executionConcurrency). */
  readonly renderSlots?: number;
}

export interface LocalStats {
  readonly requests: number;
  readonly hits: number;
  readonly misses: number;
  readonly hitRatio: number;
  readonly collapsed: number;
  readonly renders: number;
  readonly functionResponses: number;
  readonly originRequestInvocations: number;
  readonly originFailovers: number;
  /**
   * Reads of an original that gave up on a region for a real fault (an error answer,
   * or no answer while another region answered or within the read's budget) and went
   * on to the next, per failed region: the origin handler's and the render task's
   * (the task's are seen when its log level lets warnings through, as `npm start` does).
   */
  readonly regionFailovers: Readonly<Record<OriginalsRegion, number>>;
  readonly originFetches: Readonly<Record<OriginalsRegion, number>>;
  readonly invalidationPathsSubmitted: number;
  /** The web ACL in front of CloudFront: requests seen, blocked and counted per rule. */
  readonly waf: LocalWafStats;
  readonly pipeline: PipelineStats;
  /** The renders the stack's functions share (render-capacity.ts): live, not kept across restarts. */
  readonly renderSlots: RenderSlotStats;
}

/** One variant the origin handler rendered on a miss, as its "rendered on miss" log entry reports it. */
export interface EdgeRender {
  readonly at: string;
  readonly region: string;
  readonly bytes: number;
  readonly fetchMs: number;
  readonly renderMs: number;
}

export interface LocalStack {
  /** Where its buckets, tables, store, executions and invalidations are kept; `existed`: a restart found them. */
  readonly state: LocalState;
  readonly cloudfront: LocalCloudFront;
  /** The built viewer function CloudFront runs, for the console's "what key does this URL map to". */
  readonly viewer: CloudFrontFunction;
  /** Variant key → its latest render on a miss that was stored in the variants bucket. */
  readonly edgeRenders: ReadonlyMap<string, EdgeRender>;
  readonly emulator: S3Emulator;
  readonly replication: Replication;
  readonly pipeline: LocalPipeline;
  readonly kvs: Map<string, string>;
  /** Tenant → the public keys of its key group, trusted by its own cache behavior `/{tenant}/*`. */
  readonly keyGroups: Map<string, readonly TrustedPublicKey[]>;
  readonly originals: Readonly<Record<OriginalsRegion, ObjectStore>>;
  readonly variants: ObjectStore;
  /** Mutable at run time, like a CRR rule's observed lag. */
  replicationDelayMs: number;
  putTenant(tenant: string, config: TenantConfig): void;
  /** What the viewer function reads for `originalKey`: its generation token, DENIED, or undefined (no entry). */
  freshnessEntry(originalKey: string): string | undefined;
  /** Every call a function made outside its role (the pipeline's tasks and the origin-request function). */
  denials(): readonly Denial[];
  stats(): LocalStats;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const state = openLocalState(options.state);
  const log = <T>(name: string) => appendLog<T>(join(state.directory, `${name}.jsonl`));
  const emulator = await startS3Emulator(
    {
      ...Object.fromEntries(ORIGINALS_REGIONS.map((region) => [region, [originalsBucket(region)]])),
      [PRIMARY_REGION]: [originalsBucket(PRIMARY_REGION), QUARANTINE_BUCKET],
      [VARIANTS_ENDPOINT]: [VARIANTS_BUCKET],
    },
    state.place('s3'),
  );
  const store = (endpoint: string, bucket: string, extra: { maxAttempts?: number; userAgent?: string } = {}) =>
    new S3ObjectStore(createS3Client({ region: endpoint === VARIANTS_ENDPOINT ? PRIMARY_REGION : endpoint, endpoint: emulator.endpoint(endpoint).url, ...extra }), bucket);

  const originals = byRegion((region) => store(region, originalsBucket(region)));
  const variants = store(VARIANTS_ENDPOINT, VARIANTS_BUCKET);
  const internal = { userAgent: INTERNAL_USER_AGENT, maxAttempts: 1 };

  const stack = { replicationDelayMs: options.replicationDelayMs ?? 0 };
  const replication = startReplication({
    source: emulator.endpoint(PRIMARY_REGION),
    sourceStore: store(PRIMARY_REGION, originalsBucket(PRIMARY_REGION), internal),
    replicas: ORIGINALS_REGIONS.filter((r) => r !== PRIMARY_REGION).map((r) => store(r, originalsBucket(r), internal)),
    delayMs: () => stack.replicationDelayMs,
    log: log('replication'),
  });

  let renders = 0;
  const regionFailovers = byRegion(() => 0);
  const countRegionFailover = (entry: Record<string, unknown>) => {
    if (entry.message === REGION_FAILED_MESSAGE && typeof entry.region === 'string' && entry.region in regionFailovers) regionFailovers[entry.region as OriginalsRegion]++;
  };
  const logEntry = options.log ?? (() => undefined);
  const edgeRenders = keptEdgeRenders(log('edge-renders'));
  const renderCapacity = new RenderCapacity(options.renderSlots);
  const origin = await startOriginRequestFunction({
    renderCapacity,
    region: options.edgeRegion ?? PRIMARY_REGION,
    originalsBuckets: byRegion(originalsBucket),
    variantsBucket: VARIANTS_BUCKET,
    targets: localTargets({ originals, variants }),
    s3Endpoints: emulator.endpoints,
    regionTimeoutMs: options.regionTimeoutMs,
    ...(options.withhold?.task === ORIGIN_REQUEST && { withhold: options.withhold.action }),
    log: (entry) => {
      if (entry.message === 'rendered on miss') renders++;
      countRegionFailover(entry);
      recordEdgeRender(edgeRenders, entry);
      logEntry(entry);
    },
  });

  const kvs = new VersionedMap(freshnessSeed(), log('key-value-store'));
  const keyGroups = new Map<string, readonly TrustedPublicKey[]>();
  const viewer = await loadViewerFunction({ kvs });
  const waf = createLocalWaf(webAclRules(options.deployment ?? LOCAL_DEPLOYMENT));
  const distribution = createLocalCloudFront({
    viewer,
    originRequest: origin.handler,
    fetchFromOrigin: (uri) => fetchVariant(variants, uri),
    variantsBucketDomain: `${VARIANTS_BUCKET}.s3.${PRIMARY_REGION}.amazonaws.com`,
    cacheMaxBytes: options.cacheMaxBytes ?? DEFAULT_CACHE_BYTES,
    keyGroups,
    failoverRequest: options.failoverRequest,
    now: options.edgeClock,
  });
  const cloudfront = behindWebAcl(distribution, waf);

  const pipeline = await startLocalPipeline({
    ...options.pipeline,
    renderCapacity,
    uploads: emulator.endpoint(PRIMARY_REGION),
    uploadsBucket: originalsBucket(PRIMARY_REGION),
    s3Endpoints: emulator.endpoints,
    originals,
    variants,
    kvs,
    invalidateEdge: (paths) => cloudfront.invalidate(paths),
    withhold: options.withhold,
    state: { dynamodb: state.place('dynamodb'), executions: executionJournal(state.place('executions')), invalidations: log('invalidations') },
    log: (entry) => {
      countRegionFailover(entry);
      options.log?.(entry);
    },
  });

  // Replication and the pipeline listen now: what a crash changed without announcing it is announced.
  await emulator.announceRecovered();

  // What /_local/stats counts of traffic (not what it reads from kept state: executions, invalidations), across restarts.
  const counters = keptCounters(join(state.directory, 'counters.json'), () => {
    const { blocked, counted, requests } = waf.stats();
    const { renders: pipelineRenders, metrics } = pipeline.stats();
    return {
      cf: { ...cloudfront.stats },
      renders,
      regionFailovers: { ...regionFailovers },
      originFetches: byRegion((region) => emulator.endpoint(region).counters.get),
      waf: { requests, blocked, counted },
      pipeline: { renders: pipelineRenders, metrics },
    };
  });

  return Object.assign(stack, {
    state,
    cloudfront,
    viewer,
    edgeRenders: edgeRenders.renders,
    emulator,
    replication,
    pipeline,
    kvs,
    keyGroups,
    originals,
    variants,
    putTenant(tenant: string, config: TenantConfig) {
      const problem = tenantConfigProblem(config);
      if (problem) throw new Error(`tenant ${tenant}: ${problem}`);
      kvs.set(tenantConfigKey(tenant), JSON.stringify(config));
    },
    freshnessEntry(originalKey: string) {
      const { slotKey, id } = freshnessAddressOf(originalKey);
      return slotEntry(kvs.get(slotKey) ?? '', id);
    },
    denials: () => [...origin.denials(), ...pipeline.denials()],
    stats(): LocalStats {
      const pipelineStats = pipeline.stats();
      const { cf, waf: wafCounts, pipeline: pipelineCounts, ...kept } = counters.total();
      const lookups = cf.hits + cf.misses;
      return {
        ...cf,
        hitRatio: lookups === 0 ? 0 : cf.hits / lookups,
        ...kept,
        invalidationPathsSubmitted: pipelineStats.invalidations.pathsSubmitted,
        waf: { ...waf.stats(), ...wafCounts },
        pipeline: { ...pipelineStats, ...pipelineCounts },
        renderSlots: renderCapacity.stats(),
      };
    },
    async stop() {
      await pipeline.stop();
      counters.close();
      await origin.close();
      replication.stop();
      await emulator.stop();
      state.release();
    },
  });
}

/** The edge renders the console shows, kept in `log` (compacted to the latest per key on start). */
function keptEdgeRenders(log: AppendLog<readonly [string, EdgeRender]>) {
  const renders = new Map(log.read());
  log.rewrite([...renders]);
  return {
    renders: renders as ReadonlyMap<string, EdgeRender>,
    record(key: string, render: EdgeRender) {
      log.append([key, render]);
      renders.set(key, render);
    },
  };
}

function recordEdgeRender(renders: ReturnType<typeof keptEdgeRenders>, entry: Record<string, unknown>) {
  const { message, key, region, bytes, fetchMs, renderMs, stored } = entry;
  if (message !== 'rendered on miss' || stored !== true || typeof key !== 'string') return;
  renders.record(key, { at: new Date().toISOString(), region: String(region), bytes: Number(bytes), fetchMs: Number(fetchMs), renderMs: Number(renderMs) });
}

/** CloudFront's GET to the variants bucket (S3 origin, OAC): 404 when missing, 503 when the bucket fails. */
async function fetchVariant(variants: ObjectStore, uri: string): Promise<EdgeResponse> {
  const key = uri.slice(1).split('/').map(decodeURIComponent).join('/');
  try {
    const object = await variants.get(key, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!object) return { status: 404, headers: { 'content-type': 'application/xml' }, body: Buffer.from('<Error><Code>NoSuchKey</Code></Error>') };
    const headers: Record<string, string> = { 'content-type': object.contentType ?? 'application/octet-stream' };
    if (object.cacheControl) headers['cache-control'] = object.cacheControl;
    return { status: 200, headers, body: object.body };
  } catch {
    return { status: 503, headers: { 'content-type': 'text/plain' }, body: Buffer.from('variants bucket unavailable') };
  }
}
