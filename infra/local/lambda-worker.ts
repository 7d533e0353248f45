/**
 * One Lambda execution environment for a Node bundle, as a worker thread of
 * the local stack (node-lambda.ts): it imports the bundle once (the init
 * phase), then runs one invocation at a time with a Lambda context, and
 * reports a thrown error by its `name`, as Lambda's Node.js runtime reports
 * `errorType` (docs/local-iam.md, "Bundles"). What is thrown outside the
 * handler's promise ends the worker: node-lambda.ts reports it.
 */
import dns from 'node:dns';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerData {
  readonly bundle: string;
  readonly functionName: string;
  readonly functionArn: string;
}

export interface Invocation {
  readonly id: string;
  readonly event: unknown;
  readonly deadline: number;
}

export type Outcome = { readonly id: string; readonly result: string } | { readonly id: string; readonly errorType: string; readonly errorMessage: string };

// The KeyValueStore client puts the account id in front of the endpoint's host
// (`000000000000.localhost`); names under localhost are the loopback address (RFC 6761 §6.3).
const lookup = dns.lookup;
dns.lookup = ((hostname: string, ...rest: unknown[]) =>
  (lookup as (...args: unknown[]) => void)(hostname.endsWith('.localhost') ? '127.0.0.1' : hostname, ...rest)) as typeof dns.lookup;

// What Lambda's Node.js runtime does with a rejection nobody handles: it fails the invocation
// as Runtime.UnhandledPromiseRejection, the reason as its message, and ends the environment.
// Thrown from here it reaches node-lambda.ts as the worker's 'error' event, which does the same.
process.on('unhandledRejection', (reason) => {
  throw Object.assign(new Error(String(reason)), { name: 'Runtime.UnhandledPromiseRejection' });
});

const { bundle, functionName, functionArn } = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error('lambda-worker.ts runs as a worker thread');
const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: (event: unknown, context: object) => Promise<unknown> };

port.on('message', ({ id, event, deadline }: Invocation) => {
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    awsRequestId: id,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  handler(event, context).then(
    (result) => port.postMessage({ id, result: JSON.stringify(result ?? null) } satisfies Outcome),
    (error: unknown) => {
      const { name = 'Error', message = String(error) } = error instanceof Error ? error : {};
      // What Lambda's runtime writes to the function's log for a failed invocation, the cause chain included.
      console.error(JSON.stringify({ level: 'ERROR', message: 'Invoke Error', errorType: name, errorMessage: message, stack: causes(error) }));
      port.postMessage({ id, errorType: name, errorMessage: message } satisfies Outcome);
    },
  );
});
port.postMessage('ready');

function causes(error: unknown): string[] {
  const chain: string[] = [];
  for (let at = error; at !== undefined && chain.length < 5; at = at instanceof Error ? at.cause : undefined) {
    chain.push(at instanceof Error ? (at.stack ?? `${at.name}: ${at.message}`) : String(at));
  }
  return chain;
}
