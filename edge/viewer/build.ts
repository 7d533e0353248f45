/**
 * Builds the viewer-request CloudFront Function into one file CloudFront can
 * take as it is: dist/edge/viewer-request.js.
 *
 *   npx tsx edge/viewer/build.ts      (npm run build:edge)
 *
 * Output dialect (cloudfront-js-2.0):
 *   import cf from 'cloudfront';      ← the runtime's modules, the only imports,
 *   import crypto from 'crypto';        kept at the top
 *   …the contract, minified…
 *   async function handler(event){…}  ← a plain top-level declaration, not exported
 *
 * How: esbuild bundles the source as ESM (so the `cloudfront` import stays an
 * import and esbuild may shorten every other top-level name), then the trailing
 * `export{x as handler}` is removed and `x` is renamed back to `handler`.
 * An IIFE would hide `handler` inside a closure and turn the import into a
 * require(); ESM without minified identifiers is ~2x larger.
 *
 * The build fails (non-zero exit) when the output uses syntax the runtime does
 * not document, or exceeds the 10 KB function size limit.
 */
import { build, type BuildFailure } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_FUNCTION_BYTES, VIEWER_FUNCTION_FILE } from './artifact.ts';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'viewer-request.ts');

/**
 * esbuild target: ES5, the runtime's baseline ("compliant with ECMAScript 5.1"),
 * plus exactly the later features the 2.0 page lists. Everything else esbuild
 * either lowers (?. ?? catch-without-binding, object spread via helpers) or
 * refuses, which fails the build: destructuring, shorthand/method/computed
 * properties, default arguments, spread, classes, generators, for-of.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html
 */
const TARGET = 'es5';
const RUNTIME_2_0_FEATURES: Record<string, boolean> = {
  'const-and-let': true, // "The following ES 6 statements are supported: const, let"
  'async-await': true, // "The following ES 8 statements are supported: async, await" (declarations only, checked below)
  'template-literal': true, // "ES 6 template literals are supported"
  arrow: true, // "ES 6 arrow functions are supported"
  'rest-argument': true, // "ES 6 rest parameter syntax is supported"
  'exponent-operator': true, // "The ES 7 exponentiation operator (**) is supported"
  'regexp-named-capture-groups': true, // "ES 9 named capture groups are supported"
};

/** The runtime's own modules the function imports (functions-javascript-runtime-20.html, functions-custom-methods.html). */
const RUNTIME_MODULES = ['cloudfront', 'crypto'];

/** Bundles the function and returns its code, in the 2.0 dialect. Throws on any violation. */
export async function bundleViewerFunction(): Promise<string> {
  let text: string;
  try {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: TARGET,
      supported: RUNTIME_2_0_FEATURES,
      external: RUNTIME_MODULES,
      minify: true,
      legalComments: 'none',
      sourcemap: false,
      charset: 'ascii',
      logLevel: 'silent',
    });
    text = (result.outputFiles[0] as { text: string }).text;
  } catch (err) {
    const messages = (err as BuildFailure).errors?.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`);
    throw new Error(
      `viewer function does not fit cloudfront-js-2.0:\n  ${(messages ?? [String(err)]).join('\n  ')}\n` +
        'Rewrite that syntax in ES5 + the features listed in functions-javascript-runtime-20.html.',
      { cause: err },
    );
  }
  return toRuntimeDialect(text);
}

/** `…async function x(e){…}export{x as handler};` → `…async function handler(e){…}` */
export function toRuntimeDialect(esm: string): string {
  const exportMatch = /export\s*\{\s*([\w$]+)(?:\s+as\s+handler)?\s*\}\s*;?\s*$/.exec(esm);
  if (!exportMatch) throw new Error('viewer function: expected the bundle to end with `export { handler }`');
  const local = exportMatch[1] as string;
  let code = esm.slice(0, exportMatch.index).trimEnd();

  if (local !== 'handler') {
    if (/\bhandler\b/.test(code)) throw new Error('viewer function: the name `handler` is already taken in the bundle');
    const declaration = `async function ${local}(`;
    const at = code.indexOf(declaration);
    if (at < 0 || code.indexOf(declaration, at + 1) >= 0) {
      throw new Error('viewer function: expected exactly one `async function handler(event)` declaration');
    }
    code = `${code.slice(0, at)}async function handler(${code.slice(at + declaration.length)}`;
  }

  // "async arguments and closures are not supported": async only on function declarations.
  const asyncWords = code.match(/\basync\b/g)?.length ?? 0;
  const asyncDeclarations = code.match(/(?:^|[;}])async function [\w$]+\(/g)?.length ?? 0;
  if (asyncWords !== asyncDeclarations) {
    throw new Error('viewer function: cloudfront-js-2.0 supports async only on top-level function declarations');
  }
  if (/\bexport\b/.test(code)) throw new Error('viewer function: a CloudFront Function cannot export anything');

  return `${code}\n`;
}

/** Builds and writes the function (atomically: tests build it concurrently); returns where and how big. */
export async function buildViewerFunction(outFile: string = VIEWER_FUNCTION_FILE): Promise<{ file: string; bytes: number }> {
  const code = await bundleViewerFunction();
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > MAX_FUNCTION_BYTES) {
    throw new Error(`viewer function is ${bytes} bytes; CloudFront Functions allow ${MAX_FUNCTION_BYTES}`);
  }
  await mkdir(dirname(outFile), { recursive: true });
  const temp = `${outFile}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, code);
  await rename(temp, outFile);
  return { file: outFile, bytes };
}

async function main(): Promise<void> {
  try {
    const { file, bytes } = await buildViewerFunction();
    console.log(`${relative(process.cwd(), file)}: ${bytes} bytes (limit ${MAX_FUNCTION_BYTES})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
