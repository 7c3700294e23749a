import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (name: string, file: string) =>
  fileURLToPath(new URL(`./packages/${name}/src/${file}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so no build is needed first.
    alias: [
      // The core's runtime seam as Node resolves it (package.json `imports`, `node` condition); the tests of the
      // web seam import it by path, and test/edge-workerd.test.ts runs it on workerd.
      { find: '#platform', replacement: src('core', 'platform/node') },
      // Subpath entries first: an alias matches by prefix.
      { find: '@hookinbox/testing/store-contract', replacement: src('testing', 'store-contract') },
      { find: '@hookinbox/testing/queue-contract', replacement: src('testing', 'queue-contract') },
      ...[
        'bullmq',
        'cli',
        'core',
        'express',
        'fastify',
        'fetch',
        'genstore',
        'geins',
        'otel',
        'pg-boss',
        'prometheus',
        'postgres',
        'redis',
        'testing',
      ].map((n) => ({
        find: `@hookinbox/${n}`,
        replacement: src(n, 'index'),
      })),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // Makes sure a Redis answers (starts one when none does) and shares its URL with the tests.
    globalSetup: existsSync('test/setup/redis.ts') ? ['test/setup/redis.ts'] : [],
    typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.test-d.ts'],
    },
  },
});
