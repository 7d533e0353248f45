// @ts-check
/**
 * The linter: typescript-eslint's recommended rules, floating promises, unused
 * code, and the rooms' import boundaries (README, "Layout"). Import specifiers
 * are relative paths, so each boundary is a pattern on the folder a path
 * climbs into. test/architecture/imports.test.ts checks what a pattern cannot:
 * no import cycle between files or folders.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.test.ts', 'test/**'];
/** Climbing out with `../` into one of these top-level folders. */
const into = (...folders) => `^(\\.\\./)+(${folders.join('|')})/`;
/** Outside core/, only its entries (core/index.ts says what each holds). */
const CORE_ENTRIES = ['index', 'contract/index', 'storage/index', 'transform/index', 'deployment/index', 'signing/index', 'schema/index'];
const CORE_ENTRIES_ONLY = {
  regex: `^(\\.\\./)+core/(?!(${CORE_ENTRIES.join('|')})\\.ts$)`,
  message: `Import core/ through its entries: ${CORE_ENTRIES.map((entry) => `core/${entry}.ts`).join(', ')}.`,
};
const NO_TEST_HELPERS = { regex: into('test'), message: 'Production code never imports test helpers (test/).' };
/** The IAM evaluator is AGPL-licensed: the local stack's, never part of a deployed artifact (docs/local-iam.md). */
const LOCAL_STACK_ONLY = { regex: '^@cloud-copilot/', message: 'The IAM policy evaluator (AGPL) is used by infra/local/ only: docs/local-iam.md.' };

const NOT_INTO_AWS = { regex: '^(\\.\\./)+(infra/)?aws/', message: 'infra/aws and infra/local do not import each other.' };
const NOT_INTO_LOCAL = { regex: '^(\\.\\./)+(infra/)?local/', message: 'infra/aws and infra/local do not import each other.' };
const NOT_INTO_TOOLS = { regex: into('tools'), message: 'infra/ does not import tools/.' };

/** One room: its files (but `except`) may not import what `patterns` name. */
const room = (name, files, patterns, except = []) => ({
  name: `rooms/${name}`,
  files,
  ignores: [...TESTS, ...except],
  rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, NO_TEST_HELPERS, ...(name === 'infra/local' ? [] : [LOCAL_STACK_ONLY])] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', '.local-data/', 'asl/', '.scratch/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Tests poke at synthesized templates and stubs whose shapes are the point of the test.
  { files: TESTS, rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  room('core', ['core/**/*.ts'], [{ regex: into('edge', 'infra', 'tasks', 'tools', 'workflows', 'asl'), message: 'core/ imports nothing outside core/.' }]),
  room('edge', ['edge/**/*.ts'], [{ regex: into('infra', 'tasks', 'tools', 'workflows'), message: 'edge/ imports only core/.' }, CORE_ENTRIES_ONLY]),
  room('tasks', ['tasks/**/*.ts'], [{ regex: into('edge', 'infra', 'tools', 'workflows'), message: 'tasks/ import only core/ and tasks/.' }, CORE_ENTRIES_ONLY]),
  room('workflows', ['workflows/**/*.ts'], [{ regex: into('edge', 'infra', 'tasks', 'tools', 'core'), message: 'workflows/ are plain ASL: they import nothing else.' }]),
  room('infra/aws', ['infra/aws/**/*.ts'], [NOT_INTO_LOCAL, NOT_INTO_TOOLS, CORE_ENTRIES_ONLY]),
  room('infra/local', ['infra/local/**/*.ts'], [NOT_INTO_AWS, NOT_INTO_TOOLS, CORE_ENTRIES_ONLY], ['infra/local/console/client/**']),
  // A room of its own, not a block on top of infra/local's: a later block's no-restricted-imports replaces an earlier one's.
  room('console page', ['infra/local/console/client/**/*.ts'], [
    NOT_INTO_AWS,
    NOT_INTO_TOOLS,
    { regex: '^(\\.\\./)+core/(?!contract/index\\.ts$)', message: 'The console page runs in a browser: of core/ it imports the contract only (core/contract/index.ts).' },
    { regex: '^(\\.\\./)+client/(?!index\\.ts$)', message: 'The console page uses the URL builder through client/index.ts.' },
  ]),
  room('client', ['client/**/*.ts'], [
    { regex: '^(\\.\\./)+(?!core/contract/index\\.ts$)', message: 'client/ is the URL builder tenants ship: of this repository it imports the contract only (core/contract/index.ts).' },
    { regex: '^node:', message: 'client/ runs in browsers too: WebCrypto, not node: modules.' },
    { regex: '^[^.]', message: 'client/ has no dependencies.' },
  ]),
  room('tools', ['tools/**/*.ts'], [
    { regex: '^(\\.\\./)+infra/(aws/|local/(?!ops/index\\.ts$))', message: 'tools/ reach the local stack through infra/local/ops/index.ts only, and never infra/aws.' },
    { regex: into('edge', 'tasks'), message: 'tools/ use core/, not the edge or the tasks.' },
    CORE_ENTRIES_ONLY,
  ]),
);
