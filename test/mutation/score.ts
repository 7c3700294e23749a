import type { MutationTarget } from './targets.js';

/** The part of Stryker's MutantResult that the table reads. */
export interface MutantOutcome {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}

export interface FileScore {
  target: MutationTarget;
  mutants: number;
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  /** Marked equivalent in the source (`// Stryker disable …`), so not counted. */
  ignored: number;
  /** Killed and timed out over all counted mutants, as Stryker computes it; 100 when none is counted. */
  score: number;
  survivors: MutantOutcome[];
}

/** Tallies one file's results the way Stryker's own mutation score does (compile and runtime errors not counted). */
export function score(results: readonly MutantOutcome[]): Omit<FileScore, 'target'> {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const killed = count('Killed');
  const survived = count('Survived');
  const timeout = count('Timeout');
  const noCoverage = count('NoCoverage');
  const counted = killed + survived + timeout + noCoverage;
  return {
    mutants: counted,
    killed,
    survived,
    timeout,
    noCoverage,
    ignored: count('Ignored'),
    score: counted === 0 ? 100 : (100 * (killed + timeout)) / counted,
    survivors: results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage'),
  };
}

export function printSurvivors(scores: readonly FileScore[]): void {
  for (const s of scores) {
    for (const m of s.survivors) {
      const where = `${s.target.file}:${m.location.start.line}:${m.location.start.column}`;
      const status = m.status === 'Survived' ? 'survived' : 'no coverage';
      console.log(`${status.padEnd(11)} ${where} ${m.mutatorName}: ${(m.replacement ?? '').replace(/\s+/g, ' ')}`);
    }
  }
}

/** The per-file table, in Markdown so it can be pasted as it is. */
export function printTable(scores: readonly FileScore[]): void {
  console.log('\n| file | mutants | killed | survived | timeout | no coverage | equivalent | score |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of scores) {
    const cells = [s.target.file, s.mutants, s.killed, s.survived, s.timeout, s.noCoverage, s.ignored];
    console.log(`| ${cells.join(' | ')} | ${s.score.toFixed(1)} % |`);
  }
}
