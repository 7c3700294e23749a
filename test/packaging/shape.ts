import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pnpmScript } from '../helpers/pnpm.js';
import { runCommand } from './commands.js';
import type { StepLog } from './steps.js';

export interface Packed {
  dir: string;
  tarballs: string[];
  /** Package names, in the order of `tarballs`. */
  names: string[];
}

/**
 * `pnpm pack` of every package under packages/ (the built `dist` must be there: run `pnpm build` first), into a new
 * temporary folder unless one is given. pnpm, not npm, because it turns `workspace:^` ranges into versions.
 */
export async function packPackages(root: string, into?: string): Promise<Packed> {
  const dir = into ?? (await mkdtemp(join(tmpdir(), 'hookinbox-packs-')));
  if (!into || (await readdir(dir)).every((f) => !f.endsWith('.tgz'))) {
    execFileSync(
      process.execPath,
      [pnpmScript(), '-r', '--filter', './packages/*', 'pack', '--pack-destination', dir],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  const tarballs = (await readdir(dir)).filter((f) => f.endsWith('.tgz')).map((f) => join(dir, f));
  // hookinbox-core-0.1.0.tgz → @hookinbox/core
  const names = tarballs.map((t) => `@hookinbox/${basename(t).replace(/^hookinbox-(.+)-\d+\.\d+\.\d+.*\.tgz$/, '$1')}`);
  return { dir, tarballs, names };
}

/**
 * publint (strict: warnings fail too) and Are the Types Wrong? on every tarball: the `exports`, `types`, `main`,
 * `files` and module format each resolver (node10, node16 from ESM and from CommonJS, bundlers) sees.
 */
export async function checkShape(root: string, packed: Packed, log: StepLog): Promise<void> {
  const bin = (name: string) => join(root, 'node_modules', '.bin', name);
  for (const [index, tarball] of packed.tarballs.entries()) {
    const name = packed.names[index];
    const publint = await runCommand(bin('publint'), ['run', tarball, '--strict'], { cwd: root });
    log.add({ what: `publint ${name}`, seconds: publint.seconds, problem: publint.ok ? undefined : publint.output });
    const attw = await runCommand(bin('attw'), [tarball, '--format', 'ascii'], { cwd: root });
    log.add({ what: `attw ${name}`, seconds: attw.seconds, problem: attw.ok ? undefined : attw.output });
  }
}
