import { defineConfig } from 'vitest/config';

const EXCLUDE = ['node_modules/**', 'dist/**', 'cdk.out/**', '.scratch/**'];
const COMMON = {
  // A backstop for a test that hangs, not a budget: tests wait for conditions, and CI runs the
  // suite beside a busy-loop on every core (.ci/run), where a test takes several times as long.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Powertools writes JSON logs and EMF to stdout; tests assert on spies instead.
  env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
};

/**
 * Two projects, run one after the other (sequence.groupOrder): the suite, its
 * files in parallel; then test/load/, one file at a time on an otherwise idle
 * machine. A load test keeps every core busy on purpose: beside the suite it
 * would starve other files into timeouts, and they would make its own timing
 * meaningless. `vitest run` runs both; `vitest run --project suite` the first.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { ...COMMON, name: 'suite', include: ['**/*.test.ts'], exclude: [...EXCLUDE, 'test/load/**'] } },
      { test: { ...COMMON, name: 'load', include: ['test/load/**/*.test.ts'], exclude: EXCLUDE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
