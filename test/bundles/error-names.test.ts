/**
 * The workflows' Retry and Catch match errors by name. Bundled as AWS runs
 * them (infra/aws/lambda-runtime.ts: minified, no keepNames), classes are
 * renamed, so a name taken from the class (`new.target.name`) never matches.
 * This bundles the error classes the tasks throw with exactly those options
 * and checks every name the checked-in ASL matches is the name thrown.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { taskBuildOptions } from '../../tasks/build.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** Names AWS itself raises (Step Functions, Lambda, the service integrations): not ours to spell. */
const AWS_NAMESPACES = /^(States|Lambda|Sandbox|StepFunctions|CloudFront)\./;

const ENTRY = `
export { BadRequest, NotFound, OriginsUnavailable, RenderTimedOut, SourceTooLarge, StoreUnavailable, UnprocessableSource, UnsupportedSource } from './core/index.ts';
export { OriginalRejected, TaskInputInvalid } from './tasks/shared/errors.ts';
export { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
/** A class that takes its name from itself, as the errors once did: the bundle must rename it, or this test proves nothing. */
export class NamedByItself extends Error { constructor(m) { super(m); this.name = new.target.name; } }
`;

function aslErrorNames(): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'ErrorEquals') (value as string[]).forEach((name) => names.add(name));
        else walk(value);
      }
    }
  };
  for (const file of readdirSync(join(ROOT, 'asl'))) walk(JSON.parse(readFileSync(join(ROOT, 'asl', file), 'utf8')));
  return [...names].filter((name) => !AWS_NAMESPACES.test(name)).sort();
}

const scratch = mkdtempSync(join(tmpdir(), 'imgedge-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type ErrorClasses = Record<string, new (message: string) => Error>;
let bundled: Promise<ErrorClasses> | undefined;
/** Built once for the file: the bundle is the same for every test. */
const bundledErrors = (): Promise<ErrorClasses> => (bundled ??= bundleErrors());

async function bundleErrors(): Promise<ErrorClasses> {
  // The deployed tasks' build (any task's: the options differ only in entry and sharp).
  const { format, target, mainFields, banner, minify } = taskBuildOptions('write-audit', scratch);
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'errors-entry.ts' },
    bundle: true,
    platform: 'node',
    write: false,
    format,
    target,
    mainFields,
    banner,
    minify,
    logLevel: 'silent',
  });
  const file = join(scratch, 'errors.mjs');
  writeFileSync(file, result.outputFiles[0]!.text);
  return (await import(pathToFileURL(file).href)) as ErrorClasses;
}

describe('error names in the deployed bundles', () => {
  it('minification renames a class, so a name read from the class would not match', async () => {
    const errors = await bundledErrors();
    expect(new errors.NamedByItself!('x').name).not.toBe('NamedByItself');
  });

  it('every error name the workflows retry or catch is thrown under that name by the bundled code', async () => {
    const errors = await bundledErrors();
    const names = aslErrorNames();
    expect(names).toEqual(['IdempotencyAlreadyInProgressError', 'OriginalRejected', 'OriginsUnavailable', 'RenderTimedOut', 'StoreUnavailable']);
    for (const name of names) {
      const ErrorClass = errors[name];
      expect(ErrorClass, `${name} is not exported by the bundle`).toBeDefined();
      expect(new ErrorClass!('x').name).toBe(name);
    }
  });

  it('the errors callers match by name keep it too', async () => {
    const errors = await bundledErrors();
    for (const name of ['BadRequest', 'NotFound', 'SourceTooLarge', 'UnsupportedSource', 'UnprocessableSource', 'TaskInputInvalid']) {
      expect(new errors[name]!('x').name).toBe(name);
    }
  });
});
