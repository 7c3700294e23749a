import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './commands.js';
import type { ModuleSystem } from './readme-blocks.js';
import type { StepLog } from './steps.js';

/**
 * What a new user installs beside the packages, each at its latest version: the frameworks, the Redis and PostgreSQL
 * clients, and TypeScript with the types the quick starts need.
 */
export const THIRD_PARTY = [
  'express',
  'fastify',
  'ioredis',
  'pg',
  '@opentelemetry/api',
  // Not the latest: pg-boss 12 needs Node 22.12, and @hookinbox/pg-boss supports 10.x on every Node we do.
  'pg-boss@^10',
  'prom-client',
  'typescript',
  '@types/node',
  '@types/express',
  '@types/pg',
];

export interface StrangerProject {
  dir: string;
  /** A folder per module system, each with its own package.json `type` and tsconfig.json. */
  folders: Record<ModuleSystem, string>;
}

const TSCONFIG = {
  compilerOptions: {
    // What `tsc --init` asks of a Node project, minus verbatimModuleSyntax, under which a CommonJS file may not
    // use `import` at all: the quick starts are the same text in both module systems.
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    types: ['node'],
    // Our declarations are checked too, not only the quick starts' use of them.
    skipLibCheck: false,
  },
  include: ['*.ts'],
};

/**
 * A new npm project in a temporary folder outside the workspace, as a new user makes one (`npm init -y`), with the
 * packed tarballs and the latest third-party packages installed, then installed again: a peer range that does not
 * match what npm picks passes the first install with a warning and fails every later one with ERESOLVE.
 */
export async function createStrangerProject(tarballs: string[], log: StepLog): Promise<StrangerProject> {
  const dir = await mkdtemp(join(tmpdir(), 'hookinbox-stranger-'));
  const npm = async (what: string, args: string[]) => {
    const result = await runCommand('npm', args, { cwd: dir });
    const eresolve = /ERESOLVE/.test(result.output);
    const problem =
      !result.ok || eresolve
        ? `npm ${args.join(' ')} ${result.ok ? 'warned ERESOLVE' : 'failed'}:\n${result.output}`
        : undefined;
    log.add({ what, seconds: result.seconds, problem });
    if (!result.ok) throw new Error(problem);
  };
  const install = ['install', '--no-audit', '--no-fund'];
  try {
    await npm('npm init -y', ['init', '-y']);
    await npm(`npm install ${tarballs.length} tarballs and ${THIRD_PARTY.join(', ')}`, [
      ...install,
      ...tarballs,
      ...THIRD_PARTY,
    ]);
    await npm('npm install, again', install);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const folders = { esm: join(dir, 'esm'), cjs: join(dir, 'cjs') };
  for (const [system, folder] of Object.entries(folders)) {
    await mkdir(folder);
    const type = system === 'esm' ? 'module' : 'commonjs';
    await writeFile(join(folder, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
    await writeFile(join(folder, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  }
  return { dir, folders };
}

/**
 * What every installed package must hold as published: the root's LICENSE, and no `workspace:` range left in its
 * dependencies (pnpm pack replaces them; npm pack or a publish from the wrong tool would not).
 */
export async function checkInstalledPackages(
  project: StrangerProject,
  names: string[],
  license: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const name of names) {
    const dir = join(project.dir, 'node_modules', name);
    const text = await readFile(join(dir, 'LICENSE'), 'utf8').catch(() => undefined);
    if (text === undefined) problems.push(`${name}: no LICENSE in the package`);
    else if (text !== license) problems.push(`${name}: its LICENSE differs from the repository's`);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
        if (range.startsWith('workspace:')) problems.push(`${name}: ${field}.${dep} is still ${range}`);
      }
    }
  }
  return problems;
}
