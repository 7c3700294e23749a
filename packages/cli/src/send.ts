import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse, peekPlatform, str, wantsHelp } from './args.js';
import { deliver } from './deliver.js';
import { CliUsageError } from './errors.js';
import { SEND_HELP } from './help.js';
import type { CliIo } from './io.js';
import { loadPlatform } from './platforms/index.js';
import type { CliPlatform, DeliveryInput, DeliverySource, Values } from './platforms/types.js';

/**
 * Parses a command that posts deliveries (`send`, `simulate`): the platform's own options, `--url`, `--header` and
 * the command's `extra` ones, and asks the platform for its deliveries.
 */
export async function readDeliveries(
  args: string[],
  io: CliIo,
  command: string,
  extra: Parameters<typeof parse>[1],
): Promise<{ values: Values; platform: CliPlatform; source: DeliverySource }> {
  const platform = await loadPlatform(peekPlatform(args), command);
  const values = parse(
    args,
    { ...platform.deliveryOptions, url: { type: 'string' }, header: { type: 'string', multiple: true }, ...extra },
    command,
  );
  const input: DeliveryInput = {
    command,
    headers: parseHeaders(values.header, command),
    payload: await readPayload(str(values, 'payload'), io.cwd, command),
  };
  return { values, platform, source: await platform.deliveries(values, io, input) };
}

/** `hookinbox send` */
export async function sendCommand(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(SEND_HELP);
    return 0;
  }
  const { source } = await readDeliveries(args, io, 'send', { payload: { type: 'string' } });
  const result = await deliver(source.make());
  io.stdout.write(`${result.method} ${result.url} (${source.label})\n`);
  io.stdout.write(`${result.status} ${result.statusText} in ${Math.round(result.latencyMs)} ms\n`);
  if (result.body !== '') io.stdout.write(`${result.body}\n`);
  return result.status >= 200 && result.status < 300 ? 0 : 1;
}

function parseHeaders(list: unknown, command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (list as string[] | undefined) ?? []) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(line)) {
      throw new CliUsageError(
        `hookinbox ${command}: --header must look like 'name: value', got ${JSON.stringify(line)}`,
      );
    }
    out[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

async function readPayload(file: string | undefined, cwd: string, command: string): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(resolve(cwd, file));
  } catch (error) {
    throw new CliUsageError(`hookinbox ${command}: cannot read --payload ${file}: ${(error as Error).message}`);
  }
}
