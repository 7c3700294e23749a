import { deadLettersCommand } from './dead-letters/index.js';
import { CliUsageError } from './errors.js';
import { DEAD_LETTERS_HELP, LIST_HELP, MAIN_HELP, SEND_HELP, SIMULATE_HELP, SYNC_HELP } from './help.js';
import { type CliIo, processIo } from './io.js';
import { sendCommand } from './send.js';
import { simulateCommand } from './simulate.js';
import { listCommand, syncCommand } from './subscriptions.js';

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/**
 * Runs the `hookinbox` command line with `argv` (without `node` and the script) and resolves with the exit status:
 * 0 on success, 1 when a call failed, the endpoint refused a test delivery or a simulation gave up a delivery, 2 when
 * the command was used wrongly.
 * It never calls `process.exit`, so it can run inside tests or other tools.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || isHelp(command)) {
      const topic = isHelp(command) ? rest[0] : undefined;
      if (topic === 'send') io.stdout.write(SEND_HELP);
      else if (topic === 'simulate') io.stdout.write(SIMULATE_HELP);
      else if (topic === 'dead-letters') io.stdout.write(DEAD_LETTERS_HELP);
      else if (topic === 'subscriptions' && rest[1] === 'sync') io.stdout.write(SYNC_HELP);
      else if (topic === 'subscriptions' && rest[1] === 'list') io.stdout.write(LIST_HELP);
      else io.stdout.write(MAIN_HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'subscriptions') {
      const [sub, ...args] = rest;
      if (sub === 'list') return await listCommand(args, io);
      if (sub === 'sync') return await syncCommand(args, io);
      if (sub === undefined || isHelp(sub)) {
        io.stdout.write(`${LIST_HELP}\n${SYNC_HELP}`);
        return sub === undefined ? 2 : 0;
      }
      throw new CliUsageError(`hookinbox: unknown command "subscriptions ${sub}"; use list or sync`);
    }
    if (command === 'send') return await sendCommand(rest, io);
    if (command === 'dead-letters') return await deadLettersCommand(rest, io);
    if (command === 'simulate') return await simulateCommand(rest, io);
    throw new CliUsageError(`hookinbox: unknown command "${command}"\nRun 'hookinbox --help'.`);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    io.stderr.write(`${describeError(error)}\n`);
    return 1;
  }
}

/** One readable paragraph for a failure: API errors carry their status and body in their message. */
function describeError(error: unknown): string {
  if (error instanceof TypeError && error.message.startsWith('@hookinbox/')) return error.message;
  if (!(error instanceof Error)) return `hookinbox: ${String(error)}`;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return `hookinbox: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
}
