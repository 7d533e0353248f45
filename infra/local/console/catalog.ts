/**
 * What the console shows of the stack's storage, read from the real stack:
 * originals from the primary region's bucket, variants from the variants
 * bucket, how each variant was made from the render executions' events and
 * the origin handler's reports, and the viewer function's own answer for a URL.
 */
import {
  BACKGROUND_PARAM,
  DENIED,
  GENERATION_PARAM,
  type ImageRequest,
  keyToUri,
  originalKey,
  parseImageRequest,
  parseOriginalKey,
  parseVariantName,
  queryPairs,
  type TenantConfig,
  tenantConfigKey,
  tenantPolicy,
  variantKey,
  variantUri,
} from '../../../core/index.ts';
import { cacheKey, viewerEvent } from '../cloudfront.ts';
import type { Execution } from '../executions.ts';
import { decodeEventKey, type ObjectCreatedEvent } from '../s3-events.ts';
import { PRIMARY_REGION, type LocalStack } from '../stack.ts';
import type { Normalized, OriginalsListing, OriginalSummary, RenderPath, TakenDown, VariantsListing, VariantView } from '../ops/api.ts';

const TENANT_PREFIX = tenantConfigKey('');

export async function listOriginals(stack: LocalStack): Promise<OriginalsListing> {
  const byTenant = new Map<string, OriginalSummary[]>();
  const configs = new Map<string, TenantConfig>();
  for (const [key, value] of stack.kvs) {
    if (!key.startsWith(TENANT_PREFIX)) continue;
    byTenant.set(key.slice(TENANT_PREFIX.length), []);
    configs.set(key.slice(TENANT_PREFIX.length), JSON.parse(value) as TenantConfig);
  }
  const inFlight = pipelineInFlight(stack);
  for await (const key of stack.originals[PRIMARY_REGION].list('')) {
    const original = parseOriginalKey(key);
    if (!original) continue;
    const generation = currentGeneration(stack, key);
    let variants = 0;
    for await (const objectKey of stack.variants.list(`${key}/`)) if (parseVariantName(key, objectKey)?.generation === generation) variants++;
    const list = byTenant.get(original.tenant) ?? [];
    list.push({ key, uri: keyToUri(key), variants, rendering: inFlight.has(key) });
    byTenant.set(original.tenant, list);
  }
  return {
    tenants: [...byTenant]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tenant, originals]) => ({ tenant, signing: configs.get(tenant)?.signing, ladder: tenantPolicy(configs.get(tenant)).ladder as readonly number[], originals })),
    takenDown: takenDown(stack),
  };
}

/** The originals an upload (input: the S3 event) or render (input: the original) execution is running for. */
function pipelineInFlight(stack: LocalStack): Set<string> {
  const keys = new Set<string>();
  for (const execution of stack.pipeline.executions.list({ stateMachine: 'upload', status: 'RUNNING' })) keys.add(decodeEventKey((execution.input as ObjectCreatedEvent).detail.object.key));
  for (const execution of stack.pipeline.executions.list({ stateMachine: 'render', status: 'RUNNING' })) keys.add((execution.input as { key: string }).key);
  return keys;
}

/**
 * The originals denied at the edge now, with the reason and time of the takedown that denied
 * them: the store holds only the DENIED token at each original's address, the takedowns the rest.
 */
function takenDown(stack: LocalStack): TakenDown[] {
  const latest = new Map<string, TakenDown>();
  for (const execution of stack.pipeline.executions.list({ stateMachine: 'takedown' })) {
    const { key, reason } = execution.input as { key: string; reason: string };
    const at = (execution.output as { denied?: { at: string } } | undefined)?.denied?.at ?? execution.startedAt;
    if (stack.freshnessEntry(key) !== DENIED) continue;
    if ((latest.get(key)?.at ?? '') < at) latest.set(key, { key, reason, at });
  }
  return [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The original's generation the edge serves now (its freshness entry), or undefined when it has none. */
function currentGeneration(stack: LocalStack, key: string): string | undefined {
  const token = stack.freshnessEntry(key);
  return token === DENIED ? undefined : token;
}

/** Every variant of `original` the edge serves now (its current generation's) in the variants bucket, smallest width first. */
export async function listVariants(stack: LocalStack, original: Pick<ImageRequest, 'tenant' | 'path'>): Promise<VariantsListing> {
  const key = originalKey(original);
  const generation = currentGeneration(stack, key);
  const preRendered = pipelineRenders(stack.pipeline.executions.list({ stateMachine: 'render' }));
  const variants: VariantView[] = [];
  for await (const objectKey of stack.variants.list(`${key}/`)) {
    const name = parseVariantName(key, objectKey);
    if (!name || name.generation !== generation) continue;
    const params = name.params;
    const object = await stack.variants.get(objectKey, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!object) continue; // deleted between the listing and the read
    variants.push({
      key: objectKey,
      params,
      url: variantUri({ ...original, ...name }),
      bytes: object.body.length,
      contentType: object.contentType ?? 'application/octet-stream',
      render: latest(preRendered.get(objectKey), edgeRender(stack, objectKey)),
    });
  }
  variants.sort((a, b) => (a.params.w ?? 0) - (b.params.w ?? 0) || (a.params.h ?? 0) - (b.params.h ?? 0) || a.params.fmt.localeCompare(b.params.fmt));
  return { key, original: await stack.originals[PRIMARY_REGION].exists(key), variants };
}

/**
 * Runs the built viewer function on `url` (path and query, as a browser sends
 * them) with `accept`: the cache key CloudFront would look up and the variant
 * it names, or the function's own answer (400 with the reason, 404, 451).
 */
export async function normalize(stack: LocalStack, url: string, accept: string): Promise<Normalized> {
  const result = await stack.viewer.handler(viewerEvent({ method: 'GET', url, headers: { accept }, ip: '127.0.0.1' }));
  if ('statusCode' in result) {
    const body = result.body;
    return { ok: false, status: result.statusCode, reason: typeof body === 'string' ? body : (body?.data ?? '') };
  }
  const key = cacheKey(result);
  const [uri = '', query = ''] = key.split('?');
  const parsed = parseImageRequest(uri, queryPairs(query));
  if (!parsed.ok) return { ok: false, status: 500, reason: `the viewer function produced a key the contract does not parse: ${parsed.reason}` };
  const kept = new Set(Object.keys(result.querystring));
  const asked = queryPairs(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '').map(([name]) => name);
  return {
    ok: true,
    cacheKey: key,
    variantKey: variantKey(parsed.request),
    params: parsed.request.params,
    // A request's bg and v are never read: the viewer function sets the tenant's and the store's.
    dropped: [...new Set(asked.filter((name) => !kept.has(name) || name === BACKGROUND_PARAM || name === GENERATION_PARAM))],
  };
}

type Dated = Exclude<RenderPath, { kind: 'unknown' }>;

/** Variant key → the render-variant task state that created it, from the render executions' event histories. */
function pipelineRenders(executions: readonly Execution[]): Map<string, Dated> {
  const found = new Map<string, Dated>();
  for (const execution of [...executions].reverse()) {
    const entered = new Map<number | undefined, number>();
    for (const event of execution.events) {
      if (!('state' in event) || event.state.name !== 'RenderVariant') continue;
      if (event.type === 'StateEntered') entered.set(event.index, event.timestamp);
      const output = event.state.output as { key?: unknown; status?: unknown } | null | undefined;
      if (event.type !== 'StateExited' || output?.status !== 'created' || typeof output.key !== 'string') continue;
      const start = entered.get(event.index) ?? event.timestamp;
      found.set(output.key, { kind: 'pre-rendered', ms: event.timestamp - start, execution: execution.id, at: new Date(event.timestamp).toISOString() });
    }
  }
  return found;
}

function edgeRender(stack: LocalStack, key: string): Dated | undefined {
  const render = stack.edgeRenders.get(key);
  if (!render) return undefined;
  const { at, region, fetchMs, renderMs } = render;
  return { kind: 'rendered on a miss', ms: Math.round(fetchMs + renderMs), fetchMs: Math.round(fetchMs), renderMs: Math.round(renderMs), region, at };
}

/** The stored object is the latest render that was stored: a re-upload deletes variants, and either path may make them again. */
function latest(a: Dated | undefined, b: Dated | undefined): RenderPath {
  if (!a || !b) return a ?? b ?? { kind: 'unknown' };
  return a.at >= b.at ? a : b;
}
