import type { Plugin } from 'esbuild';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { ORIGIN_REQUEST_PACKAGE_JSON } from '../../edge/origin/function.ts';
import { BUNDLES_DIR, ensureBuilt, localOriginRequestBundle } from './bundles.ts';

const HOUR_AGO = new Date(Date.now() - 3_600_000);

const dirs: string[] = [];
let dir: string;
let entry: string;
let outfile: string;
let builds: number;
const counting: Plugin = { name: 'count-builds', setup: (b) => b.onStart(() => void builds++) };

const options = (...plugins: Plugin[]) => ({ entryPoints: [entry], outfile, bundle: true, platform: 'node' as const, format: 'esm' as const, sourcemap: true, absWorkingDir: dir, logLevel: 'silent' as const, plugins: [counting, ...plugins] });

async function source(text: string, mtime = HOUR_AGO) {
  await writeFile(entry, text);
  await utimes(entry, mtime, mtime);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundles-'));
  dirs.push(dir);
  entry = join(dir, 'entry.ts');
  outfile = join(dir, 'out', 'index.mjs');
  builds = 0;
});

describe('ensureBuilt', () => {
  it('does not record a build as fresh when a source was saved while it ran', async () => {
    await source("console.log('before the edit');");
    let edited = false;
    // An editor saves once esbuild has read the file, before the build ends.
    const editDuringBuild: Plugin = {
      name: 'edit-during-build',
      setup: (b) =>
        b.onEnd(async () => {
          if (edited) return;
          edited = true;
          await writeFile(entry, "console.log('after the edit');");
        }),
    };
    await ensureBuilt(options(editDuringBuild));
    expect(await readFile(outfile, 'utf8')).toContain('before the edit');
    await ensureBuilt(options(editDuringBuild));
    expect(await readFile(outfile, 'utf8')).toContain('after the edit');
    expect(builds).toBe(2);
  });

  it("reuses a fresh bundle, and builds again for another esbuild, a replaced bundle or a changed source", async () => {
    await source("console.log('one');");
    await ensureBuilt(options());
    await ensureBuilt(options());
    expect(builds).toBe(1);

    const stampFile = `${outfile}.inputs.json`;
    const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as { esbuild: string };
    await writeFile(stampFile, JSON.stringify({ ...stamp, esbuild: '0.0.1' }));
    await ensureBuilt(options());
    expect(builds).toBe(2);

    // Another build (elsewhere, of other sources) replaced the bundle: this stamp is not its.
    await writeFile(outfile, "console.log('another build');");
    await ensureBuilt(options());
    expect(builds).toBe(3);
    expect(await readFile(outfile, 'utf8')).toContain('one');

    await source("console.log('two, longer');");
    await ensureBuilt(options());
    expect(builds).toBe(4);
    expect(await readFile(outfile, 'utf8')).toContain('two, longer');
    await ensureBuilt(options());
    expect(builds).toBe(4);
  });
});

describe('localOriginRequestBundle', () => {
  // A config of its own, so its folder is this test's alone.
  const config = {
    variantsBucket: { name: 'bundles-test-variants', region: 'us-east-1' },
    originalsBuckets: Object.fromEntries(ORIGINALS_REGIONS.map((region) => [region, `bundles-test-${region}`])) as Record<(typeof ORIGINALS_REGIONS)[number], string>,
    regionTimeoutMs: 1_000 + Math.floor(Math.random() * 1_000_000),
  };
  let folder: string | undefined;
  afterAll(() => (folder ? rm(folder, { recursive: true, force: true }) : undefined));

  it('writes its package.json only when it is missing or different', async () => {
    const bundle = await localOriginRequestBundle(config);
    folder = join(bundle, '..');
    expect(folder.startsWith(join(BUNDLES_DIR, 'origin-request'))).toBe(true);
    const packageJson = join(folder, 'package.json');
    expect(await readFile(packageJson, 'utf8')).toBe(ORIGIN_REQUEST_PACKAGE_JSON);

    await utimes(packageJson, HOUR_AGO, HOUR_AGO);
    await localOriginRequestBundle(config);
    expect((await stat(packageJson)).mtimeMs).toBeLessThan(HOUR_AGO.getTime() + 1_000);

    await writeFile(packageJson, '{ "type": "module" }\n');
    await localOriginRequestBundle(config);
    expect(await readFile(packageJson, 'utf8')).toBe(ORIGIN_REQUEST_PACKAGE_JSON);
  });
});

afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
