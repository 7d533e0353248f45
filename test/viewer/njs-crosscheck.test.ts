/**
 * Optional second opinion on the built viewer function: run the file, byte for
 * byte, on njs (nginx's JavaScript engine: ES 5.1 plus a few later features,
 * no destructuring, default arguments, for-of or Map — the dialect the
 * CloudFront Functions 2.0 page documents) and check it answers every event
 * fixture exactly as the local sandbox does. Runs only where an `njs` binary
 * is installed (Debian: `apt-get install njs`; .ci/run installs it, so CI always
 * runs it); skipped elsewhere.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { loadViewerFunction } from '../../infra/local/cloudfront-function-runtime.ts';
import { eventFixtures, FIXTURE_NOW_MS, FIXTURE_STORE_ENTRIES } from './fixture-store.ts';
import { NJS_AVAILABLE, runOnNjs } from './njs.ts';

const fixtures = eventFixtures();
let njsResults: unknown[];

describe.skipIf(!NJS_AVAILABLE)('the built viewer function on njs', () => {
  beforeAll(async () => {
    const { file } = await buildViewerFunction();
    // njs's own crypto module computes the HMACs.
    const driver = `
var events = ${JSON.stringify(fixtures.map((fixture) => fixture.event))};
function next(i) {
  if (i === events.length) return;
  handler(events[i]).then(function (r) { console.log(JSON.stringify(r)); next(i + 1); }, function (e) { console.log('FAILED ' + e); });
}
next(0);
`;
    const run = runOnNjs(readFileSync(file, 'utf8'), driver, FIXTURE_STORE_ENTRIES, 10_000);
    expect(run.stderr).toBe('');
    njsResults = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
  });

  it('answers every event fixture exactly as the local sandbox does', async () => {
    const viewer = await loadViewerFunction({ kvs: new Map(FIXTURE_STORE_ENTRIES), now: () => FIXTURE_NOW_MS });
    expect(njsResults).toHaveLength(fixtures.length);
    for (const [i, { name, event }] of fixtures.entries()) {
      expect({ fixture: name, result: njsResults[i] }).toEqual({ fixture: name, result: await viewer.handler(event) });
    }
  });
});
