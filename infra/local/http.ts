/** The HTTP pieces every local route shares: an error carrying its status, and the response builders. */
import type { IncomingMessage } from 'node:http';
import type { EdgeResponse } from './cloudfront.ts';
import type { LocalStack } from './stack.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** `headers`: what the answer adds to its JSON headers (`connection: close` when the body was left unread). */
  constructor(readonly status: number, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

export function json(status: number, value: unknown): EdgeResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value, null, 2)) };
}

export function html(page: string): EdgeResponse {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(page) };
}

export interface ReadBodyOptions {
  /**
   * Longest the whole body may take to arrive, from the call: past it the read fails 408, so a
   * client that sends its headers and then stalls holds what its request holds no longer than this.
   * Unset: no bound (Node's own requestTimeout, 300 s, still applies).
   */
  readonly timeoutMs?: number;
}

/**
 * The request's body, at most `maxBytes` (past it: 413), within `timeoutMs` (past it: 408). A
 * refused body is left unread: its error says `connection: close`, so the answer ends the
 * connection, as Node's own request timeout does, rather than waiting for the rest.
 */
export function readBody(req: IncomingMessage, maxBytes: number, { timeoutMs }: ReadBodyOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => refuse(408, `body not received within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) refuse(413, `body larger than ${maxBytes} bytes`);
      else chunks.push(chunk);
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks, total)));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(new Error('the client closed the request before its body ended')));
    function refuse(status: number, message: string) {
      settle(() => reject(new HttpError(status, message, { connection: 'close' })));
    }
    function settle(outcome: () => void) {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    }
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

export function parseJson<T>(body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
}

/** One route of the local surface: `match` is its path pattern's match. */
export type Route = (stack: LocalStack, req: IncomingMessage, match: RegExpExecArray) => Promise<EdgeResponse>;
export type RouteTable = ReadonlyArray<readonly [method: string, path: RegExp, route: Route]>;
