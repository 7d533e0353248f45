import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./client/main.ts', import.meta.url));

let bundled: Promise<string> | undefined;

/** The page's script, bundled from client/ once per process: plain browser JavaScript, nothing fetched from a network. */
export function consoleScript(): Promise<string> {
  bundled ??= build({ entryPoints: [ENTRY], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' }).then(
    (result) => result.outputFiles[0]!.text,
    (err: unknown) => {
      bundled = undefined;
      throw err;
    },
  );
  return bundled;
}
