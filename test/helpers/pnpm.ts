import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The pnpm CLI script to run with `node`: the one running this process when started by pnpm (`pnpm test` sets
 * `npm_execpath`), else pnpm 10 as `npx` installs it. Running its script with `node` directly, rather than through
 * `npx`, keeps npx out of the process tree: npm exec always ends by the signal it received, which would hide the exit
 * code of what runs under it.
 */
export function pnpmScript(): string {
  const execPath = process.env.npm_execpath;
  if (execPath && basename(execPath).startsWith('pnpm')) return execPath;
  const bin = execFileSync('npx', ['-y', '-p', 'pnpm@10', '--', 'sh', '-c', 'command -v pnpm'], { encoding: 'utf8' });
  return realpathSync(bin.trim());
}
