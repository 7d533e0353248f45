/**
 * The origin-request function as deployed: its role's access, memory and
 * timeout (infra/aws/stacks/edge.ts deploys it; the local stack runs its
 * bundle with the same access enforced and the same timeout), and how its
 * code is bundled (CommonJS index.js, the deployment's EdgeConfig baked in:
 * Lambda@Edge has no environment variables).
 */
import type { BuildOptions } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Access, BUNDLE_TARGET } from '../../core/deployment/index.ts';
import type { EdgeConfig } from './edge-config.ts';

/** Read the originals in every region; read and write the variants. Nothing else. */
export const ORIGIN_REQUEST_ACCESS: readonly Access[] = [
  { objects: ['s3:GetObject'], in: 'everyOriginals' },
  { objects: ['s3:GetObject', 's3:PutObject'], in: 'variants' },
  { list: 'everyOriginals' },
  { list: 'variants' },
];

/**
 * A render reads up to 25 MiB and decodes up to 50 MP (core/transform/limits.ts);
 * memory also buys CPU. The timeout leaves room for one slow region and a failover
 * (3 s each) plus the 10 s render limit; CloudFront's origin-request budget is 30 s.
 */
export const ORIGIN_REQUEST_MEMORY_MB = 3008;
export const ORIGIN_REQUEST_TIMEOUT_SECONDS = 30;

export const ORIGIN_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
export const ORIGIN_REQUEST_HANDLER = 'index.handler';
/** index.js is CommonJS wherever it is loaded from, even below a `"type": "module"` package: written beside it. */
export const ORIGIN_REQUEST_PACKAGE_JSON = '{ "type": "commonjs" }\n';

export function originRequestBuildOptions(config: EdgeConfig, outputDir: string): BuildOptions & { outfile: string } {
  return {
    entryPoints: [join(ORIGIN_SOURCE_DIR, 'index.ts')],
    outfile: join(outputDir, 'index.js'),
    bundle: true,
    platform: 'node',
    // CommonJS: the handler file Lambda@Edge loads is index.js with `exports.handler`.
    format: 'cjs',
    target: BUNDLE_TARGET,
    external: ['sharp'],
    define: { 'process.env.IMGEDGE_EDGE_CONFIG': JSON.stringify(JSON.stringify(config)) },
    legalComments: 'none',
    logLevel: 'warning',
  };
}
