import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'cdk.out/**', '.scratch/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Powertools writes JSON logs and EMF to stdout; tests assert on spies instead.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
