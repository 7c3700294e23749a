/**
 * The files mutation testing covers, each with the tests that are meant to pin it down. A mutant is run against
 * these tests only: a run stays short, and a survivor means the file's own tests miss it, not that some end-to-end
 * test happens to notice.
 */
/** The environment variable that hands a target's test files to test/mutation/vitest.config.ts, comma-separated. */
export const TESTS_VARIABLE = 'HOOKINBOX_MUTATION_TESTS';

export interface MutationTarget {
  /** A short name, used on the command line (`pnpm mutation signature`) and in the table. */
  name: string;
  /** The source file that is mutated. */
  file: string;
  /** The test files run against each mutant. */
  tests: string[];
}

export const targets: readonly MutationTarget[] = [
  {
    name: 'signature',
    file: 'packages/genstore/src/signature.ts',
    tests: ['packages/genstore/src/signature.test.ts'],
  },
  {
    name: 'platform-node',
    file: 'packages/core/src/platform/node.ts',
    tests: ['packages/core/src/platform/platform.test.ts'],
  },
  {
    name: 'compliance',
    file: 'packages/genstore/src/compliance.ts',
    tests: ['packages/genstore/src/compliance.test.ts'],
  },
  {
    name: 'body-template',
    file: 'packages/geins/src/body-template.ts',
    tests: ['packages/geins/src/body-template.test.ts'],
  },
  {
    name: 'memory-store',
    file: 'packages/core/src/memory-store.ts',
    tests: ['packages/core/src/memory-store.test.ts', 'test/store-memory.test.ts'],
  },
  // The receiver's stages and its handler runner are tested through the receiver: their own files and the core's
  // receiver tests, which the two share.
  {
    name: 'pipeline',
    file: 'packages/core/src/pipeline.ts',
    tests: [
      'packages/core/src/pipeline.test.ts',
      'packages/core/src/runner.test.ts',
      'packages/core/src/receiver.test.ts',
      'packages/core/src/dead-letters.test.ts',
      'packages/core/src/wait-until.test.ts',
      'packages/core/src/observe.test.ts',
    ],
  },
  {
    name: 'runner',
    file: 'packages/core/src/runner.ts',
    tests: [
      'packages/core/src/pipeline.test.ts',
      'packages/core/src/runner.test.ts',
      'packages/core/src/receiver.test.ts',
      'packages/core/src/dead-letters.test.ts',
      'packages/core/src/wait-until.test.ts',
      'packages/core/src/observe.test.ts',
    ],
  },
];
