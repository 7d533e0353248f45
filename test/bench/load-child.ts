/**
 * One autocannon run in its own process (so the load generator does not share
 * the server's event loop):
 *   node --import tsx test/bench/load-child.ts '{"url":…,"paths":[…],"connections":…,"seconds":…}'
 * Requests cycle through `paths`; prints one JSON line of results.
 */
import autocannon from 'autocannon';

export interface LoadJob {
  readonly url: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly headers?: Record<string, string>;
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
let next = 0;
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  headers: job.headers ?? {},
  requests: [{ setupRequest: (request) => ({ ...request, path: job.paths[next++ % job.paths.length] as string }) }],
});
const out: LoadResult = {
  requests: result.requests.total,
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
