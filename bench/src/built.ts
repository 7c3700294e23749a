/**
 * The bench's servers run the packages as users install them: their built `dist`, not the TypeScript source.
 *
 * Why it matters: the source runs through tsx, whose esbuild transform keeps function names by wrapping every named
 * closure in `__name(fn, "…")`, an `Object.defineProperty` call each time the closure is created. The built packages
 * (tsup, no keepNames) carry none of it. A receiver that creates two named closures per delivery measured about 34,000
 * instructions a request more from source than built (callgrind, Fastify row with no store), which moved the Fastify
 * ratio by about 0.2 while nothing a user runs had changed (BENCHMARKS.md, "Source or built").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');

/** Newest modification time of a non-test source file under `dir`, in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.includes('.test.')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** The packages whose `dist/index.js` is missing or older than one of their source files. */
export function stalePackages(): string[] {
  const packages = join(root, 'packages');
  return readdirSync(packages).filter((name) => {
    const src = join(packages, name, 'src');
    if (!existsSync(src)) return false;
    const built = join(packages, name, 'dist', 'index.js');
    return !existsSync(built) || statSync(built).mtimeMs < newestSource(src);
  });
}

/** Builds the packages when any is stale, so a bench never measures an old build. */
export function ensureBuilt(): void {
  const stale = stalePackages();
  if (stale.length === 0) return;
  console.log(`bench: building the packages first (${stale.join(', ')} changed since the last build)`);
  // The pnpm running this script (`npm_execpath`), so that a pnpm reached through `npx pnpm@10` needs no `pnpm` on PATH.
  const pnpm = process.env.npm_execpath;
  const [command, args] =
    pnpm && /pnpm/.test(pnpm) && /\.c?js$/.test(pnpm) ? [process.execPath, [pnpm, 'build']] : ['pnpm', ['build']];
  const built = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('bench: `pnpm build` failed; the bench runs the built packages');
}

/**
 * The Node flags of a server process: the parent's, without `--conditions=source` unless `source` is asked for, so
 * that `@hookinbox/*` resolve to their `dist` as in an installed app.
 */
export function serverExecArgv(source: boolean): string[] {
  const argv = [...process.execArgv];
  if (source) return argv.includes('--conditions=source') ? argv : [...argv, '--conditions=source'];
  return argv.filter((arg) => arg !== '--conditions=source');
}
