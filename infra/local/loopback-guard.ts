/**
 * Of the local stack's ports only the front door (server.ts) is for browsers. The
 * stand-ins' ports (S3, DynamoDB, the IAM gate, the Lambda Runtime API) serve the AWS
 * SDK and the Go runtime client, which send no Origin and no Sec-Fetch-* and name the
 * loopback address they dialled. A request with any of those is a web page's: a
 * cross-site request, or a page whose own name was re-pointed here (DNS rebinding).
 */
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';

/**
 * 127.0.0.1, [::1] and localhost, with a port or not. Names under localhost are loopback too
 * (RFC 6761 §6.3; browsers resolve them without DNS): the KeyValueStore SDK calls `{account}.localhost`.
 */
const LOOPBACK_HOST = /^(127\.0\.0\.1|\[::1\]|([a-z0-9-]+\.)*localhost)(:[0-9]{1,5})?$/i;

export const isLoopbackHost = (host: string | undefined): boolean => host !== undefined && LOOPBACK_HOST.test(host);

/** Why a stand-in refuses `req`, or undefined when it may serve it. */
function browserRequestProblem(req: IncomingMessage): string | undefined {
  if (req.method === 'OPTIONS') return 'a CORS preflight';
  if (req.headers.origin !== undefined) return `a browser request (Origin ${req.headers.origin})`;
  const fetchMetadata = Object.keys(req.headers).find((name) => name.startsWith('sec-fetch-'));
  if (fetchMetadata !== undefined) return `a browser request (${fetchMetadata})`;
  if (!isLoopbackHost(req.headers.host)) return `a request for Host ${req.headers.host ?? '(none)'}`;
  return undefined;
}

/** A stand-in's request listener that refuses browsers with 403 before `listener` sees the request, and never answers with CORS headers. */
export function loopbackOnly(listener: RequestListener): RequestListener {
  return (req, res) => {
    const problem = browserRequestProblem(req);
    if (problem !== undefined) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(`refused ${problem}: this port serves the local stack's AWS clients only; browsers use the front door`);
      return;
    }
    stripCorsHeaders(res);
    listener(req, res);
  };
}

const isCors = (name: string) => name.toLowerCase().startsWith('access-control-');

/** Every answer's head goes through writeHead (Node calls it for an implicit head too): drop Access-Control-* there, however they were set. */
function stripCorsHeaders(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    for (const name of res.getHeaderNames()) if (isCors(name)) res.removeHeader(name);
    return writeHead(...args.map((arg) => (typeof arg === 'object' && arg !== null ? withoutCors(arg as OutgoingHttpHeaders | OutgoingHttpHeader[]) : arg)));
  }) as ServerResponse['writeHead'];
}

function withoutCors(headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): OutgoingHttpHeaders | OutgoingHttpHeader[] {
  if (!Array.isArray(headers)) return Object.fromEntries(Object.entries(headers).filter(([name]) => !isCors(name)));
  // writeHead's flat form: [name, value, name, value, …]
  return headers.filter((_, i) => !isCors(String(headers[i - (i % 2)])));
}
