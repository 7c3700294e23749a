/** One step of the check: what was done, how long it took, and what went wrong, if anything. */
export interface Step {
  what: string;
  seconds: number;
  problem?: string;
}

/** The steps of a check, printed as they are added, so a long CI log shows progress. */
export class StepLog {
  readonly steps: Step[] = [];

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  add(step: Step): void {
    this.steps.push(step);
    const time = step.seconds >= 0.05 ? ` (${step.seconds.toFixed(1)} s)` : '';
    this.write(`${step.problem ? '✗' : '✓'} ${step.what}${time}`);
    if (step.problem) this.write(step.problem.replace(/^/gm, '    '));
  }

  get failures(): Step[] {
    return this.steps.filter((s) => s.problem !== undefined);
  }
}
