/**
 * Table 3: the viewer-request function as CloudFront gets it: built size, and
 * microseconds per call in the local CloudFront Functions sandbox over the
 * event fixtures of test/viewer/events (a realistic mix: hits of every kind,
 * junk params, bad requests, a takedown). Baseline: a function that makes the
 * same two KeyValueStore reads and returns the request untouched, in the same
 * sandbox, so the sandbox's and the store's own cost show apart from ours.
 * The sandbox is Node's V8, not CloudFront's engine: the ratio says more than
 * the absolute figure.
 */
import { readFileSync } from 'node:fs';
import { MAX_FUNCTION_BYTES, VIEWER_FUNCTION_FILE } from '../../edge/viewer/artifact.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { loadCloudFrontFunction, type CloudFrontFunction, type CloudFrontFunctionEvent } from '../../infra/local/cloudfront-function-runtime.ts';
import { eventFixtures, FIXTURE_NOW_MS, FIXTURE_STORE_ENTRIES } from '../viewer/fixture-store.ts';
import { NJS_AVAILABLE, runOnNjs } from '../viewer/njs.ts';
import { summarize } from './stats.ts';
import { ratio, type BenchTable } from './table.ts';

const SIZE_GOAL_BYTES = 5 * 1024;
const CALL_GOAL_US = 20;
const PASS_THROUGH = `import cf from 'cloudfront';
async function handler(event) {
  const kvs = cf.kvs();
  try { await kvs.get('t:demo', { format: 'json' }); } catch (e) {}
  await kvs.get('s:0000');
  return event.request;
}`;

/** The store and clock the event fixtures are written against, so signed requests are checked, not refused as unknown tenants. */
const KVS = new Map(FIXTURE_STORE_ENTRIES);

/**
 * µs per call of each function, calls interleaved (one event, each function in
 * turn), so garbage collection and JIT tiering fall on all of them alike.
 */
async function microsPerCall(fns: readonly CloudFrontFunction[], mix: readonly CloudFrontFunctionEvent[], calls: number): Promise<number[][]> {
  for (const fn of fns) for (const event of mix) await fn.handler(structuredClone(event)); // warm-up
  const samples = fns.map((): number[] => []);
  for (let i = 0; i < calls; i++) {
    for (let f = 0; f < fns.length; f++) {
      const event = structuredClone(mix[i % mix.length] as CloudFrontFunctionEvent);
      const start = performance.now();
      await (fns[f] as CloudFrontFunction).handler(event);
      (samples[f] as number[]).push((performance.now() - start) * 1000);
    }
  }
  return samples;
}

/** njs keeps every settled promise until its process exits (~60 KB per call here), so long runs are split into processes of this many calls. */
const NJS_CALLS_PER_PROCESS = 5_000;

/**
 * Mean µs per call on njs (nginx's engine, the dialect CloudFront Functions
 * document), where installed: `calls` calls, timed inside the njs processes.
 */
function njsMicrosPerCall(code: string, mix: readonly CloudFrontFunctionEvent[], calls: number): number {
  let totalMs = 0;
  for (let done = 0; done < calls; done += NJS_CALLS_PER_PROCESS) totalMs += njsRunMs(code, mix, Math.min(NJS_CALLS_PER_PROCESS, calls - done));
  return (totalMs * 1000) / calls;
}

/** Milliseconds for `calls` calls in one njs process, timed inside it. */
function njsRunMs(code: string, mix: readonly CloudFrontFunctionEvent[], calls: number): number {
  const driver = `
var events = ${JSON.stringify(mix)};
var start = clock();
function next(i) {
  if (i === ${calls}) { console.log(String(clock() - start)); return; }
  handler(JSON.parse(JSON.stringify(events[i % events.length]))).then(function () { next(i + 1); });
}
next(0);`;
  const run = runOnNjs(code, driver, FIXTURE_STORE_ENTRIES, 120_000);
  if (run.status !== 0) throw new Error(`njs exited ${run.status ?? run.signal}: ${run.stderr}`);
  return Number(run.stdout.trim());
}

export async function viewerTable(quick: boolean): Promise<BenchTable> {
  const { bytes } = await buildViewerFunction();
  const mix = eventFixtures().map((fixture) => fixture.event);
  const calls = quick ? 200 : 50_000;
  const load = (code: string) => loadCloudFrontFunction(code, { kvs: KVS, now: () => FIXTURE_NOW_MS });
  const [viewer, baseline] = (await microsPerCall([load(readFileSync(VIEWER_FUNCTION_FILE, 'utf8')), load(PASS_THROUGH)], mix, calls)).map(summarize) as [
    ReturnType<typeof summarize>,
    ReturnType<typeof summarize>,
  ];
  const net = viewer.p50 - baseline.p50;
  const njs = NJS_AVAILABLE
    ? { viewer: njsMicrosPerCall(readFileSync(VIEWER_FUNCTION_FILE, 'utf8'), mix, calls), baseline: njsMicrosPerCall(PASS_THROUGH, mix, calls) }
    : undefined;
  return {
    title: `3. Viewer function: ${mix.length} event fixtures round-robin, ${calls.toLocaleString('en-US')} calls, local sandbox`,
    columns: ['function', 'bytes', 'p50 µs', 'p99 µs', 'vs pass-through'],
    rows: [
      ['2 KVS reads, pass-through (baseline)', Buffer.byteLength(PASS_THROUGH), baseline.p50, baseline.p99, '1.00×'],
      ['dist/edge/viewer-request.js', bytes, viewer.p50, viewer.p99, ratio(viewer.p50, baseline.p50)],
      ...(njs
        ? [
            ['njs: 2 KVS reads, pass-through (baseline)', Buffer.byteLength(PASS_THROUGH), njs.baseline, NaN, '1.00×'],
            ['njs: dist/edge/viewer-request.js', bytes, njs.viewer, NaN, ratio(njs.viewer, njs.baseline)],
          ]
        : []),
    ],
    notes: [
      `Goal: ≤ ${SIZE_GOAL_BYTES.toLocaleString('en-US')} bytes (${bytes <= SIZE_GOAL_BYTES ? 'met' : 'missed'}; CloudFront's limit ${MAX_FUNCTION_BYTES.toLocaleString('en-US')}), ≤ ${CALL_GOAL_US} µs per call: ${net.toFixed(1)} µs p50 above the sandbox's own cost (${net <= CALL_GOAL_US ? 'met' : 'missed'}).`,
      'Each call includes the sandbox round trip (event JSON in, result JSON out), which CloudFront does natively; hence the baseline.',
      njs
        ? `On njs (nginx's engine, the dialect CloudFront documents): mean ${(njs.viewer - njs.baseline).toFixed(1)} µs per call above the baseline (njs rows: mean, no percentiles).`
        : 'njs not installed (apt-get install njs): the njs rows are skipped.',
    ],
  };
}
