/**
 * `pnpm mutation [name…] [--fresh] [--concurrency N] [--min SCORE]`: mutation testing with Stryker, one file at a
 * time against its own tests (targets.ts), then a table of scores per file. Exits 1 when a file scores below the
 * minimum (90 unless given). Reports: reports/mutation/<name>.html. Each file's run is incremental: mutants whose
 * code and covering tests did not change keep their last result (reports/mutation/<name>.json); --fresh runs them all.
 */
import { mkdirSync } from 'node:fs';
import type { LogLevel } from '@stryker-mutator/api/core';
import { Stryker } from '@stryker-mutator/core';
import { type FileScore, printSurvivors, printTable, score } from './score.js';
import { type MutationTarget, TESTS_VARIABLE, targets } from './targets.js';

interface Args {
  names: string[];
  fresh: boolean;
  concurrency: number;
  min: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { names: [], fresh: false, concurrency: 2, min: 90 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--fresh') args.fresh = true;
    else if (arg === '--concurrency') args.concurrency = Number(argv[++i]);
    else if (arg === '--min') args.min = Number(argv[++i]);
    else if (arg.startsWith('--')) throw new Error(`mutation: unknown option ${arg}`);
    else args.names.push(arg);
  }
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) throw new Error('mutation: --concurrency N, N ≥ 1');
  if (!(args.min >= 0 && args.min <= 100)) throw new Error('mutation: --min SCORE, 0 to 100');
  const known = new Set(targets.map((t) => t.name));
  for (const name of args.names) {
    if (!known.has(name)) throw new Error(`mutation: no target ${name} (known: ${[...known].join(', ')})`);
  }
  return args;
}

async function mutate(target: MutationTarget, args: Args): Promise<FileScore> {
  // The tests are chosen in the vitest config (read from the environment, which Stryker's workers inherit), not
  // with Stryker's testFiles: with testFiles, Stryker 9.6 activates a mutant of module-level code only after the
  // module has loaded, and reports it survived (stryker-js#6144).
  process.env[TESTS_VARIABLE] = target.tests.join(',');
  const stryker = new Stryker({
    mutate: [target.file],
    testRunner: 'vitest',
    // By URL: pnpm does not put the runner where Stryker looks for its plugins by name.
    plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
    vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
    coverageAnalysis: 'perTest',
    checkers: [],
    concurrency: args.concurrency,
    // The machine may be shared and loaded: a slow run must not be taken for a mutant that loops.
    timeoutMS: 20_000,
    timeoutFactor: 3,
    incremental: true,
    force: args.fresh,
    incrementalFile: `reports/mutation/${target.name}.json`,
    reporters: ['html', 'progress-append-only'],
    htmlReporter: { fileName: `reports/mutation/${target.name}.html` },
    thresholds: { high: args.min, low: Math.min(args.min, 80), break: null },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    // LogLevel is a const enum, which this file (compiled one module at a time) cannot read a value of.
    logLevel: 'warn' as LogLevel,
  });
  const results = await stryker.runMutationTest();
  return { target, ...score(results) };
}

const args = parseArgs(process.argv.slice(2));
mkdirSync('reports/mutation', { recursive: true });
const chosen = args.names.length === 0 ? targets : targets.filter((t) => args.names.includes(t.name));
const scores: FileScore[] = [];
for (const target of chosen) {
  console.log(`== mutation: ${target.file} against ${target.tests.join(', ')}`);
  scores.push(await mutate(target, args));
}
printSurvivors(scores);
printTable(scores);
const low = scores.filter((s) => s.score < args.min);
if (low.length > 0) {
  console.log(`\nBelow ${args.min} %: ${low.map((s) => s.target.file).join(', ')}`);
  process.exitCode = 1;
}
