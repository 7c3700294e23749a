import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so no build is needed first.
    alias: Object.fromEntries(
      ['core', 'express', 'fastify', 'genstore', 'geins', 'redis', 'testing'].map((n) => [`@hookinbox/${n}`, pkg(n)]),
    ),
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
