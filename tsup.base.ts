import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM and CJS side by side with their own type declarations (the `exports` map of
 * each package.json points at `dist/index.{js,cjs,d.ts,d.cts}`), for the Node versions the packages support.
 */
export function packageConfig(entries: string[] = ['src/index.ts'], options: Options = {}) {
  return defineConfig({
    entry: entries,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    ...options,
  });
}
