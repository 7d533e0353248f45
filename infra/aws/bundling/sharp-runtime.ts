/**
 * sharp is a native module: bundles keep it external and ship the installed
 * package with its libvips build for the function's architecture, copied from
 * node_modules (no `npm install` at synth time, so synth works offline).
 *
 * Both renderers (Lambda@Edge, which is x86_64 only, and the render tasks,
 * x86_64 to match it) need linux-x64. On another machine, install that build
 * first: `npm install --os=linux --cpu=x64 sharp`.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';

export const SHARP_PLATFORM = 'linux-x64';

/** Node's lookup (node_modules folders from `from` upwards), without `exports`, which hides package.json. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `sharp's ${name} is not installed here; the renderers need sharp's ${SHARP_PLATFORM} build: ` +
      `run \`npm install --os=linux --cpu=x64 sharp\` and synth again`,
  );
}

/** Package name → installed folder: sharp, its dependencies, and its native build for linux-x64. */
export function sharpRuntimePackages(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    const dir = packageDir(name, from);
    found.set(name, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, dir);
  };
  visit('sharp', REPO_ROOT);
  const sharpDir = found.get('sharp') as string;
  // Native builds are optional dependencies of sharp (one per platform): take exactly ours.
  visit(`@img/sharp-${SHARP_PLATFORM}`, sharpDir);
  visit(`@img/sharp-libvips-${SHARP_PLATFORM}`, sharpDir);
  return found;
}

/** Copies sharp's runtime into `outputDir/node_modules`, where the bundle's `require('sharp')` finds it. */
export function copySharpRuntime(outputDir: string): void {
  for (const [name, dir] of sharpRuntimePackages()) {
    const target = join(outputDir, 'node_modules', name);
    if (!existsSync(target)) cpSync(dir, target, { recursive: true, dereference: true });
  }
}
