/**
 * Running the built viewer function on njs (nginx's JavaScript engine, the
 * ES 5.1 dialect the CloudFront Functions 2.0 page documents), for the
 * cross-check and the benchmark. Debian: `apt-get install njs`.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_NOW_MS } from './fixture-store.ts';

export const NJS_AVAILABLE = spawnSync('njs', ['-v'], { encoding: 'utf8' }).status === 0;

/** A stand-in for the `cloudfront` module over `store`, written in the njs dialect. */
function cloudfrontModule(store: ReadonlyArray<readonly [string, string]>): string {
  return `
var data = ${JSON.stringify(Object.fromEntries(store))};
async function get(key, options) {
  if (!Object.prototype.hasOwnProperty.call(data, key)) throw new Error('key not found');
  return options && options.format === 'json' ? JSON.parse(data[key]) : data[key];
}
async function exists(key) { return Object.prototype.hasOwnProperty.call(data, key); }
export default { kvs: function () { return { get: get, exists: exists }; } };
`;
}

/**
 * Runs `code` (a CloudFront Function's file) and then `driver` in one njs
 * process, with `cloudfront` reading `store` and Date.now pinned to the
 * fixtures' clock; the real clock stays callable as `clock()`. A driver calls
 * handler in a promise chain, not with await in a loop: njs 0.7.9 crashes on
 * the latter (the function itself has no such loop).
 */
export function runOnNjs(code: string, driver: string, store: ReadonlyArray<readonly [string, string]>, timeoutMs: number): SpawnSyncReturns<string> {
  const dir = mkdtempSync(join(tmpdir(), 'imgedge-njs-'));
  try {
    writeFileSync(join(dir, 'cloudfront'), cloudfrontModule(store));
    writeFileSync(join(dir, 'main.js'), `${code}\nvar clock = Date.now;\nDate.now = function () { return ${FIXTURE_NOW_MS}; };\n${driver}`);
    return spawnSync('njs', ['-p', dir, join(dir, 'main.js')], { encoding: 'utf8', timeout: timeoutMs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
