import { request as httpRequest, type Server } from 'node:http';
import { seedDemo } from '../../infra/local/seed.ts';
import { serveLocalStack } from '../../infra/local/server.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.ts';

export interface RunningStack {
  readonly stack: LocalStack;
  readonly url: string;
  /** GET (or another method) on the stack, by path. */
  request(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** The edge path alone: uploads start no pipeline, so every variant is rendered on a miss. */
export const EDGE_ONLY: LocalStackOptions = { pipeline: { startUploadOnObjectCreated: false, flushEveryMs: 0 } };

/** The whole local stack on an ephemeral 127.0.0.1 port, seeded like `npm start`. */
export async function startTestStack(options: LocalStackOptions = {}): Promise<RunningStack> {
  const stack = await startLocalStack(options);
  await seedDemo(stack);
  const { server, url } = await serveLocalStack(stack, 0);
  return {
    stack,
    url,
    request: (path, init) => fetch(`${url}${path}`, init),
    stop: () => stopAll(server, stack),
  };
}

async function stopAll(server: Server, stack: LocalStack) {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stack.stop();
}

export async function upload(running: RunningStack, key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<Response> {
  return running.request(`/_local/originals/${key}`, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': contentType } });
}

export async function setFault(running: RunningStack, target: string, fault: string): Promise<void> {
  const res = await running.request('/_local/faults', { method: 'POST', body: JSON.stringify({ target, fault }) });
  if (!res.ok) throw new Error(`fault ${target}=${fault}: ${res.status} ${await res.text()}`);
}

/** A GET with the path sent byte for byte (fetch would resolve `..` and re-encode before sending). */
export function rawGet(running: RunningStack, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(running.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits for replication and every execution, including ones started by S3 events still on their way. */
export async function settled(running: RunningStack): Promise<void> {
  await running.stack.replication.settled();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await running.stack.pipeline.settled();
}
