/** esbuild's target for every Lambda bundle: the oldest Node the code is tested on (the deployed runtimes run it unchanged). */
export const BUNDLE_TARGET = 'node20';

/** Bundled CommonJS dependencies call require(); an ESM bundle has none of its own. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
