/**
 * Optional second opinion on the built viewer function: run the file, byte for
 * byte, on njs (nginx's JavaScript engine: ES 5.1 plus a few later features,
 * no destructuring, default arguments, for-of or Map — the dialect the
 * CloudFront Functions 2.0 page documents) and check it answers every event
 * fixture exactly as the local sandbox does. Runs only where an `njs` binary
 * is installed (Debian: `apt-get install njs`; .ci/run installs it, so CI always
 * runs it); skipped elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { loadViewerFunction, type CloudFrontFunctionEvent } from '../../infra/local/cloudfront-function-runtime.ts';
import { FIXTURE_NOW_MS, FIXTURE_STORE_ENTRIES } from './fixture-store.ts';

const NJS_AVAILABLE = spawnSync('njs', ['-v'], { encoding: 'utf8' }).status === 0;

const STORE: Record<string, string> = Object.fromEntries(FIXTURE_STORE_ENTRIES);

/** A stand-in for the `cloudfront` module, written in the njs dialect. */
const CLOUDFRONT_MODULE = `
var data = ${JSON.stringify(STORE)};
async function get(key, options) {
  if (!Object.prototype.hasOwnProperty.call(data, key)) throw new Error('key not found');
  return options && options.format === 'json' ? JSON.parse(data[key]) : data[key];
}
async function exists(key) { return Object.prototype.hasOwnProperty.call(data, key); }
export default { kvs: function () { return { get: get, exists: exists }; } };
`;

const EVENTS_DIR = new URL('./events/', import.meta.url);
const names = readdirSync(EVENTS_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();
const events = names.map((name) => JSON.parse(readFileSync(new URL(`${name}.json`, EVENTS_DIR), 'utf8')) as CloudFrontFunctionEvent);

let dir: string;
let njsResults: unknown[];

describe.skipIf(!NJS_AVAILABLE)('the built viewer function on njs', () => {
  beforeAll(async () => {
    const { file } = await buildViewerFunction();
    dir = mkdtempSync(join(tmpdir(), 'imgedge-njs-'));
    writeFileSync(join(dir, 'cloudfront'), CLOUDFRONT_MODULE);
    // njs's own crypto module computes the HMACs; Date.now is pinned to the signed fixtures' clock.
    const driver = `
Date.now = function () { return ${FIXTURE_NOW_MS}; };
var events = ${JSON.stringify(events)};
// A promise chain, not await in a loop: njs 0.7.9 segfaults on the latter (the function itself has no such loop).
function next(i) {
  if (i === events.length) return;
  handler(events[i]).then(function (r) { console.log(JSON.stringify(r)); next(i + 1); }, function (e) { console.log('FAILED ' + e); });
}
next(0);
`;
    writeFileSync(join(dir, 'main.js'), readFileSync(file, 'utf8') + driver);
    const run = spawnSync('njs', ['-p', dir, join(dir, 'main.js')], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stderr).toBe('');
    njsResults = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every event fixture exactly as the local sandbox does', async () => {
    const viewer = await loadViewerFunction({ kvs: new Map(Object.entries(STORE)), now: () => FIXTURE_NOW_MS });
    expect(njsResults).toHaveLength(events.length);
    for (let i = 0; i < events.length; i++) {
      expect({ fixture: names[i], result: njsResults[i] }).toEqual({ fixture: names[i], result: await viewer.handler(events[i] as CloudFrontFunctionEvent) });
    }
  });
});
