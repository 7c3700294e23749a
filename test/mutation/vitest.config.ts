import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';
import { TESTS_VARIABLE } from './targets.js';

const tests = process.env[TESTS_VARIABLE]?.split(',').filter((file) => file !== '');
if (!tests || tests.length === 0)
  throw new Error(`test/mutation/vitest.config.ts: set ${TESTS_VARIABLE} (pnpm mutation does)`);

// The project's config, narrowed to one target's tests, without what a mutant run does not need: no type tests and
// no shared Redis (the files under mutation are tested without one).
export default defineConfig({
  ...base,
  test: { ...base.test, include: tests, globalSetup: [], typecheck: { enabled: false } },
});
