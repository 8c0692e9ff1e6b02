/**
 * The one vitest configuration for kata specs. The grader runs it with KATA_TARGET (stub, solution
 * or mutant) and KATA_WORKBOOK in the environment; run by hand it tests the learner's stubs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { kataTarget } from './grader/vitest-plugin.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const workbook = process.env.KATA_WORKBOOK ?? here('.');

export default defineConfig({
  root: workbook,
  plugins: [kataTarget(workbook)],
  test: {
    include: ['spec/**/*.spec.ts'],
    setupFiles: [here('spec/support/setup.ts')],
    // Separate processes: learner code that calls process.exit, blocks or crashes takes down
    // only its own spec file.
    pool: 'forks',
    testTimeout: 10_000,
    hookTimeout: 20_000,
    teardownTimeout: 5_000,
    reporters: process.env.KATA_RESULTS ? [here('grader/reporter.ts')] : ['default'],
  },
});
