import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { strangerEnv } from './commands.js';
import { checkQuickStarts } from './quick-starts.js';
import { readCheckedBlocks } from './readme-blocks.js';
import { checkShape, packPackages } from './shape.js';
import { StepLog } from './steps.js';

const USAGE = `Checks the packages as published, and the README quick starts as a new user runs them.

  pnpm check:packages [--node 20,22,24] [--packs <dir>] [--skip-shape] [--keep]

  --node        run the quick starts on each of these Node versions (fetched with npx), one after the other;
                default: only on the Node running this script
  --packs       tarballs packed already (pnpm -r --filter "./packages/*" pack --pack-destination <dir>);
                default: pack them now (after pnpm build)
  --skip-shape  skip publint and attw
  --keep        keep the temporary npm project, to look into a failure`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function readmes(): Promise<string[]> {
  const packages = await readdir(join(ROOT, 'packages'));
  return [join(ROOT, 'README.md'), ...packages.sort().map((p) => join(ROOT, 'packages', p, 'README.md'))];
}

/** Runs this script again under another Node version (as npx provides it) for the quick starts only. */
function onNode(version: string, packs: string, keep: boolean): Promise<{ ok: boolean; seconds: number }> {
  const script = fileURLToPath(import.meta.url);
  const args = ['-y', '-p', `node@${version}`, '--', 'node', '--import', 'tsx', '--conditions=source', script];
  args.push('--packs', packs, '--skip-shape', ...(keep ? ['--keep'] : []));
  const started = performance.now();
  const child = spawn('npx', args, { cwd: ROOT, env: strangerEnv(), stdio: 'inherit' });
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ ok: code === 0, seconds: (performance.now() - started) / 1000 })),
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      node: { type: 'string' },
      packs: { type: 'string' },
      'skip-shape': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = new StepLog();
  // Markers first: a malformed one fails at once, before minutes of installing.
  const blocks = await readCheckedBlocks(await readmes(), ROOT);
  const packed = await packPackages(ROOT, values.packs);
  process.stdout.write(`== ${packed.tarballs.length} packages packed in ${packed.dir}\n`);
  if (!values['skip-shape']) {
    process.stdout.write('== published shape: publint, attw\n');
    await checkShape(ROOT, packed, log);
  }

  if (values.node) {
    const timings: string[] = [];
    for (const version of values.node.split(',')) {
      process.stdout.write(`== quick starts on node ${version}\n`);
      const result = await onNode(version.trim(), packed.dir, values.keep);
      timings.push(`node ${version}: ${result.ok ? 'passed' : 'FAILED'} in ${result.seconds.toFixed(0)} s`);
      if (!result.ok)
        log.add({ what: `quick starts on node ${version}`, seconds: result.seconds, problem: 'see above' });
    }
    process.stdout.write(`== ${timings.join('; ')}\n`);
  } else {
    process.stdout.write(`== quick starts on node ${process.version} (${blocks.length} README blocks)\n`);
    await checkQuickStarts(
      { root: ROOT, tarballs: packed.tarballs, packages: packed.names, blocks, keep: values.keep },
      log,
    );
  }

  if (log.failures.length > 0) {
    process.stdout.write(`== ${log.failures.length} failed: ${log.failures.map((s) => s.what).join('; ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
