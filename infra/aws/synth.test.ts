/**
 * `npx cdk synth` of the whole app, as an operator runs it: offline, no
 * credentials, every asset bundled (the local esbuild, sharp's linux-x64
 * build, Debian's Go), cdk-nag enforced. Then the bundles themselves are
 * opened: what would be deployed must load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { goAvailable, GO_MISSING } from '../../tasks/plan-invalidations/go-toolchain.ts';
import { parseDeploymentConfig } from '../../core/deployment/index.ts';
import { deployment } from './deployment.ts';
import { resourceNames } from './names.ts';
import { REPO_ROOT } from './paths.ts';
import { edgeConfig } from './stacks/edge.ts';
import { localBundles, NODE_TASKS } from '../local/bundles.ts';
import { TASK_BUNDLE_FILE } from '../../tasks/build.ts';
import { pascalCase } from '../../workflows/common.ts';

const HAS_GO = goAvailable();
const names = resourceNames(parseDeploymentConfig(deployment));
const STACKS = ['storage-eu-west-1', 'storage-ap-northeast-1', 'storage-us-east-1', 'edge', 'delivery', 'pipeline', 'audit'].map((s) => `imgedge-${s}`);

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

describe.skipIf(!HAS_GO)(`npx cdk synth${HAS_GO ? '' : ` (skipped: ${GO_MISSING})`}`, () => {
  const outdir = mkdtempSync(join(tmpdir(), 'imgedge-synth-'));
  let synth: ReturnType<typeof spawnSync>;
  const template = (stack: string): Template => JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
  /** The bundled folder of the function with this logical id prefix. */
  const functionAsset = (stack: string, logicalIdPrefix: string): string => {
    const [, fn] = Object.entries(template(stack).Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(logicalIdPrefix)) ?? [];
    if (!fn) throw new Error(`no function ${logicalIdPrefix} in ${stack}`);
    return join(outdir, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
  };

  beforeAll(() => {
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('CDK_')) delete env[name];
    synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 300_000 });
  }, 310_000);

  it('succeeds with no AWS credentials, cdk-nag included, and writes all seven stacks', () => {
    expect(synth.status, `${synth.stdout}\n${synth.stderr}`).toBe(0);
    for (const stack of STACKS) expect(existsSync(join(outdir, `${stack}.template.json`)), stack).toBe(true);
  });

  it('bundles the origin-request handler as CommonJS with the deployment baked in and sharp for linux-x64 beside it', () => {
    const dir = functionAsset('imgedge-edge', 'OriginRequestFn');
    const bundle = readFileSync(join(dir, 'index.js'), 'utf8');
    expect(bundle).toContain(JSON.stringify(edgeConfig(names)));
    for (const pkg of ['sharp', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64']) expect(existsSync(join(dir, 'node_modules', pkg, 'package.json')), pkg).toBe(true);
    const load = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(join(dir, 'index.js'))}); process.stdout.write(typeof m.handler)`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
    });
    expect(load.stdout, load.stderr).toBe('function');
  });

  it('bundles the render task as ESM with sharp beside it, and loads it', () => {
    const dir = functionAsset('imgedge-pipeline', 'RenderVariant');
    expect(existsSync(join(dir, 'node_modules', '@img', 'sharp-linux-x64'))).toBe(true);
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      IDEMPOTENCY_TABLE: 'idempotency',
      VARIANTS_BUCKET: names.variantsBucket,
      ORIGINALS_BUCKETS: JSON.stringify(edgeConfig(names).originalsBuckets),
      ORIGINALS_TABLE: 'originals',
    };
    const load = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); process.stdout.write(typeof m.handler)`], { encoding: 'utf8', env });
    expect(load.stdout, load.stderr).toBe('function');
  });

  it('deploys every task bundle byte for byte as the local stack runs it (the same build: tasks/build.ts)', async () => {
    const local = await localBundles();
    for (const task of NODE_TASKS) {
      const deployed = readFileSync(join(functionAsset('imgedge-pipeline', pascalCase(task)), TASK_BUNDLE_FILE));
      expect(deployed.equals(readFileSync(local.tasks[task])), task).toBe(true);
    }
  });

  it('builds the Go planner as a static arm64 Linux executable named bootstrap', () => {
    const binary = readFileSync(join(functionAsset('imgedge-pipeline', 'PlanInvalidations'), 'bootstrap'));
    expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binary.readUInt16LE(18)).toBe(183); // e_machine: EM_AARCH64
    expect(binary.includes(Buffer.from('/lib/ld-linux'))).toBe(false); // no dynamic loader: static
  });
});
