import type { Server } from 'node:http';
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
  return running.request(`/_local/originals/${key}`, { method: 'PUT', body, headers: { 'content-type': contentType } });
}

export async function setFault(running: RunningStack, target: string, fault: string): Promise<void> {
  const res = await running.request('/_local/faults', { method: 'POST', body: JSON.stringify({ target, fault }) });
  if (!res.ok) throw new Error(`fault ${target}=${fault}: ${res.status} ${await res.text()}`);
}
