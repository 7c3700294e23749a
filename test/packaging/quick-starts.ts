import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './commands.js';
import { checkInstalledPackages, createStrangerProject, type StrangerProject } from './project.js';
import type { CheckedBlock, ModuleSystem } from './readme-blocks.js';
import { runApp } from './run-app.js';
import type { StepLog } from './steps.js';

const YOUR_CODE = new URL('./your-code.ts', import.meta.url);

export interface QuickStartOptions {
  root: string;
  tarballs: string[];
  /** The package names, as installed from the tarballs. */
  packages: string[];
  blocks: CheckedBlock[];
  /** Keep the npm project (its folder is printed) instead of removing it. */
  keep?: boolean;
}

/**
 * Everything a new user does, on the Node running this process: a new npm project with the tarballs installed
 * (twice), `npx hookinbox --help`, every checked README block type-checked with `tsc` in each module system it
 * claims, and every app run and stopped. A step with a `problem` failed.
 */
export async function checkQuickStarts(options: QuickStartOptions, log: StepLog): Promise<void> {
  let project: StrangerProject;
  try {
    project = await createStrangerProject(options.tarballs, log);
  } catch {
    return; // the failed npm step is logged with its output
  }
  try {
    await checkProject(project, options, log);
  } finally {
    if (options.keep) process.stdout.write(`(kept: ${project.dir})\n`);
    else await rm(project.dir, { recursive: true, force: true });
  }
}

async function checkProject(project: StrangerProject, options: QuickStartOptions, log: StepLog): Promise<void> {
  const license = await readFile(join(options.root, 'LICENSE'), 'utf8');
  const packageProblems = await checkInstalledPackages(project, options.packages, license);
  log.add({
    what: `installed packages hold the LICENSE and no workspace: range`,
    seconds: 0,
    problem: packageProblems.length > 0 ? packageProblems.join('\n') : undefined,
  });

  const cli = await runCommand('npx', ['hookinbox', '--help'], { cwd: project.dir, timeoutMs: 60_000 });
  log.add({ what: 'npx hookinbox --help', seconds: cli.seconds, problem: cli.ok ? undefined : cli.output });

  for (const system of ['esm', 'cjs'] as ModuleSystem[]) {
    const folder = project.folders[system];
    const blocks = options.blocks.filter((b) => b.modules.includes(system));
    await copyFile(YOUR_CODE, join(folder, 'your-code.ts'));
    for (const block of blocks) await writeFile(join(folder, `${block.name}.ts`), `${block.code}\n`);
    const tsc = await runCommand(
      process.execPath,
      [join(project.dir, 'node_modules/typescript/bin/tsc'), '-p', folder],
      {
        cwd: project.dir,
        timeoutMs: 180_000,
      },
    );
    log.add({
      what: `tsc, ${system === 'esm' ? 'ESM' : 'CommonJS'}: ${blocks.map((b) => b.name).join(', ')}`,
      seconds: tsc.seconds,
      problem: tsc.ok ? undefined : tsc.output,
    });
    if (!tsc.ok) continue;
    for (const block of blocks.filter((b) => b.kind === 'app')) {
      const started = performance.now();
      try {
        const summary = await runApp(block, join(folder, `${block.name}.js`), folder);
        log.add({ what: `${block.name} (${system}): ${summary}`, seconds: (performance.now() - started) / 1000 });
      } catch (error) {
        log.add({
          what: `${block.name} (${system}) from ${block.where}`,
          seconds: (performance.now() - started) / 1000,
          problem: (error as Error).message,
        });
      }
    }
  }
}
