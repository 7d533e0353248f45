/**
 * The local stack's HTTP face on 127.0.0.1: image URLs go through the local
 * CloudFront; `/_local/*` is the JSON operations surface of docs/design.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessDenied, BAD_FOCUS, FOCUS_METADATA, formatFocalPoint, originalKey, parseFocalPoint, parseImageRequest, StoreUnavailable, type FocalPoint, type TenantConfig, tenantConfigKey } from '../../core/index.ts';
import { MAX_SOURCE_BYTES } from '../../core/transform/index.ts';
import type { EdgeResponse } from './cloudfront.ts';
import { EXECUTION_STATUSES, StepFunctionsError, type ExecutionStatus } from './executions.ts';
import { withoutEvents } from './ops/execution-view.ts';
import { CONSOLE_ROUTES } from './console/routes.ts';
import { HttpError, json, parseJson, readBody, type RouteTable } from './http.ts';
import { isLoopbackHost } from './loopback-guard.ts';
import { TakedownRefused, type TakedownRequest } from './pipeline.ts';
import { FAULTS, type Fault } from './s3-emulator.ts';
import { PRIMARY_REGION, type LocalStack } from './stack.ts';
import { tenantConfigFromPut } from './tenant-put.ts';

/** The front door's knobs (tests: a bound short enough to wait for). */
export interface LocalServerOptions {
  /** How long an upload's body may take to arrive (UPLOAD_BODY_TIMEOUT_MS by default). */
  readonly uploadBodyTimeoutMs?: number;
}

const routes = (options: LocalServerOptions): RouteTable => [
  ...CONSOLE_ROUTES,
  ['GET', /^\/_local\/stats$/, async (stack) => json(200, stack.stats())],
  ['GET', /^\/_local\/faults$/, async (stack) => json(200, currentFaults(stack))],
  ['POST', /^\/_local\/faults$/, setFault],
  ['PUT', /^\/_local\/tenants\/([^/]+)$/, putTenant],
  ['PUT', /^\/_local\/originals(\/.+)$/, (stack, req, match) => putOriginal(stack, req, match, options.uploadBodyTimeoutMs ?? UPLOAD_BODY_TIMEOUT_MS)],
  ['POST', /^\/_local\/takedown$/, takedown],
  ['POST', /^\/_local\/flush$/, async (stack) => json(202, withoutEvents(stack.pipeline.flush()))],
  ['GET', /^\/_local\/executions$/, listExecutions],
  ['GET', /^\/_local\/executions\/([^/]+)$/, getExecution],
  ['POST', /^\/_local\/executions\/([^/]+)\/redrive$/, redrive],
];

export async function serveLocalStack(stack: LocalStack, port: number, options: LocalServerOptions = {}): Promise<{ server: Server; url: string }> {
  const table = routes(options);
  const server = createServer((req, res) => {
    route(stack, req, table)
      .catch((err: unknown) => (err instanceof HttpError ? withHeaders(json(err.status, { error: err.message }), err.headers) : json(500, { error: String(err) })))
      .then((response) => send(req, res, response))
      .catch(() => res.destroy()); // the client went away mid-answer
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Every answer, images included, needs a loopback Host, as CloudFront answers only on its
 * distribution's names. Any other Host is a page that re-pointed its own name here (DNS
 * rebinding): same-origin with the stack, it could read the listings and the deny list.
 */
function refuseForeignHost(req: IncomingMessage): void {
  if (!isLoopbackHost(req.headers.host)) throw new HttpError(403, `the local stack answers on 127.0.0.1 and localhost only, not on Host ${req.headers.host ?? '(none)'}`);
}

/**
 * An operation that changes the stack must come from the console itself or from a
 * client that is not a browser (curl, the CLI: no Origin). Any web page the developer
 * has open could otherwise POST a takedown here as a simple cross-site request. A
 * read needs no such check: without CORS headers another site cannot read the answer.
 */
function refuseCrossSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new HttpError(403, `operations refuse requests from other sites (Origin ${origin})`);
}

async function route(stack: LocalStack, req: IncomingMessage, table: RouteTable): Promise<EdgeResponse> {
  const url = req.url ?? '/';
  const path = url.split('?')[0] as string;
  refuseForeignHost(req);
  if (path.startsWith('/_local/') && req.method !== 'GET' && req.method !== 'HEAD') refuseCrossSite(req);
  for (const [method, pattern, handler] of table) {
    const match = pattern.exec(path);
    if (match && req.method === method) return handler(stack, req, match);
  }
  if (path.startsWith('/_local/') || path === '/') throw new HttpError(path === '/' ? 405 : 404, `no operation ${req.method} ${path}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'images are read with GET or HEAD');
  return stack.cloudfront.handle({ method: req.method, url, headers: req.headers, ip: req.socket.remoteAddress ?? '127.0.0.1' });
}

/**
 * Uploads the stack stores at once: each holds its body in memory (up to MAX_SOURCE_BYTES) until
 * S3 has it; past this a PUT is answered 503 at once, its body unread. Twice what `imgedge upload`
 * sends at its highest tested concurrency (8), so a bulk upload alone is never refused for it.
 */
export const MAX_UPLOADS_IN_FLIGHT = 16;
/** What a 503 to an upload asks the client to wait before sending it again (Retry-After, seconds). */
export const UPLOAD_RETRY_AFTER_SECONDS = 2;
/**
 * Longest an upload's body may take to arrive once it holds its slot: 30 s; past it the PUT is
 * answered 408 Request Timeout, its connection closed and its slot released. Why: without it a
 * client that sends its headers and stalls holds its slot until Node's requestTimeout (300 s),
 * and MAX_UPLOADS_IN_FLIGHT of them refuse every upload for 5 minutes. The largest accepted
 * body (MAX_SOURCE_BYTES, 25 MiB) arrives well inside it over loopback (about 7 Mbit/s suffices).
 */
export const UPLOAD_BODY_TIMEOUT_MS = 30_000;

/** Uploads being stored, per stack. */
const uploadsInFlight = new WeakMap<LocalStack, number>();

/**
 * 201 once the original is stored in the primary region (its S3 event has then started the upload
 * workflow); 503 with Retry-After when the stack cannot take it now (MAX_UPLOADS_IN_FLIGHT, or the
 * store throttled, failed or did not answer in time), never 500 for load. After a 503 the original
 * may or may not be stored (a put that timed out may still land, as on S3): sending the same bytes
 * again is safe, the pipeline takes them for nothing new, so a client retries until a 201. 408 (the
 * connection closed) when the body has not arrived within `bodyTimeoutMs`: nothing is stored.
 */
/** The upload's `?focus=x,y` (its focal point, stored as the original's metadata), undefined when it names none; 400 when malformed. */
function focusOf(req: IncomingMessage): FocalPoint | undefined {
  const asked = new URL(req.url ?? '/', 'http://local').searchParams.get(FOCUS_METADATA);
  if (asked === null) return undefined;
  const focus = parseFocalPoint(asked);
  if (focus === undefined) throw new HttpError(400, BAD_FOCUS);
  return focus;
}

async function putOriginal(stack: LocalStack, req: IncomingMessage, match: RegExpExecArray, bodyTimeoutMs: number): Promise<EdgeResponse> {
  const parsed = parseImageRequest(match[1] as string, []);
  if (!parsed.ok) throw new HttpError(400, parsed.reason);
  const focus = focusOf(req);
  const { tenant } = parsed.request;
  if (!stack.kvs.has(tenantConfigKey(tenant))) throw new HttpError(404, `unknown tenant ${tenant}`);
  const inFlight = uploadsInFlight.get(stack) ?? 0;
  if (inFlight >= MAX_UPLOADS_IN_FLIGHT) return busy(`${MAX_UPLOADS_IN_FLIGHT} uploads are being stored already`);
  uploadsInFlight.set(stack, inFlight + 1);
  try {
    const body = await readBody(req, MAX_SOURCE_BYTES, { timeoutMs: bodyTimeoutMs });
    const key = originalKey(parsed.request);
    try {
      const metadata = focus === undefined ? undefined : { [FOCUS_METADATA]: formatFocalPoint(focus) };
      await stack.originals[PRIMARY_REGION].put(key, body, { contentType: req.headers['content-type'] ?? 'application/octet-stream', ...(metadata && { metadata }) });
    } catch (err) {
      // Throttled, failing or too slow: load, not the request's fault. A missing grant is not load.
      if (err instanceof StoreUnavailable && !(err instanceof AccessDenied)) return busy(`the originals bucket in ${PRIMARY_REGION} is unavailable (${err.message}); it may be stored: send it again`);
      throw err;
    }
    return json(201, { key, bytes: body.length, region: PRIMARY_REGION });
  } finally {
    uploadsInFlight.set(stack, (uploadsInFlight.get(stack) ?? 1) - 1);
  }
}

/** 503: not now, try again after UPLOAD_RETRY_AFTER_SECONDS; never cached. */
function busy(reason: string): EdgeResponse {
  return withHeaders(json(503, { error: `busy: ${reason}; retry after ${UPLOAD_RETRY_AFTER_SECONDS} s` }), { 'retry-after': String(UPLOAD_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' });
}

function withHeaders(response: EdgeResponse, headers: Readonly<Record<string, string>>): EdgeResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

async function takedown(stack: LocalStack, req: IncomingMessage): Promise<EdgeResponse> {
  const request = parseJson<Partial<TakedownRequest>>(await readBody(req, 8192));
  try {
    return json(202, withoutEvents(stack.pipeline.takedown(request)));
  } catch (err) {
    if (err instanceof TakedownRefused) throw new HttpError(400, err.message);
    throw err;
  }
}

async function listExecutions(stack: LocalStack, req: IncomingMessage): Promise<EdgeResponse> {
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  const status = query.get('status') ?? undefined;
  if (status && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) throw new HttpError(400, `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  const list = stack.pipeline.executions.list({ stateMachine: query.get('stateMachine') ?? undefined, status: status as ExecutionStatus | undefined });
  return json(200, list.map(withoutEvents));
}

async function getExecution(stack: LocalStack, _req: IncomingMessage, match: RegExpExecArray): Promise<EdgeResponse> {
  const execution = stack.pipeline.executions.get(decodeURIComponent(match[1] as string));
  if (!execution) throw new HttpError(404, 'no such execution');
  return json(200, execution);
}

async function redrive(stack: LocalStack, _req: IncomingMessage, match: RegExpExecArray): Promise<EdgeResponse> {
  try {
    return json(202, withoutEvents(stack.pipeline.executions.redrive(decodeURIComponent(match[1] as string))));
  } catch (err) {
    if (err instanceof StepFunctionsError) throw new HttpError(err.code === 'ExecutionDoesNotExist' ? 404 : 409, err.message);
    throw err;
  }
}

async function putTenant(stack: LocalStack, req: IncomingMessage, match: RegExpExecArray): Promise<EdgeResponse> {
  const tenant = match[1] as string;
  const stored = stack.kvs.get(tenantConfigKey(tenant));
  const config = tenantConfigFromPut(tenant, stored === undefined ? undefined : (JSON.parse(stored) as TenantConfig), parseJson<unknown>(await readBody(req, 4096)));
  try {
    stack.putTenant(tenant, config);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  return json(200, { tenant, config });
}

async function setFault(stack: LocalStack, req: IncomingMessage): Promise<EdgeResponse> {
  const { target, fault } = parseJson<{ target?: string; fault?: Fault }>(await readBody(req, 4096));
  const endpoint = stack.emulator.endpoints.find((e) => e.name === target);
  if (!endpoint) throw new HttpError(400, `target must be one of ${stack.emulator.endpoints.map((e) => e.name).join(', ')}`);
  if (!fault || !FAULTS.includes(fault)) throw new HttpError(400, `fault must be one of ${FAULTS.join(', ')}`);
  endpoint.fault = fault;
  return json(200, currentFaults(stack));
}

function currentFaults(stack: LocalStack): Record<string, Fault> {
  return Object.fromEntries(stack.emulator.endpoints.map((e) => [e.name, e.fault]));
}

function send(req: IncomingMessage, res: ServerResponse, response: EdgeResponse) {
  res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
  res.end(req.method === 'HEAD' ? undefined : response.body);
}
