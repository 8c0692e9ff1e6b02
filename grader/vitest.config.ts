/** The grader's own tests and the spec-support harness tests (not kata specs). */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['grader/test/**/*.test.ts', 'spec/support/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
