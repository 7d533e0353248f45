/** The HTTP pieces every local route shares: an error carrying its status, and the response builders. */
import type { IncomingMessage } from 'node:http';
import type { EdgeResponse } from './cloudfront.ts';
import type { LocalStack } from './stack.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function json(status: number, value: unknown): EdgeResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value, null, 2)) };
}

export function html(page: string): EdgeResponse {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(page) };
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new HttpError(413, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
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
