import type { Logger } from '@hookinbox/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * A small pino-compatible logger writing one short line per entry. pino-compatible because Fastify takes it as its
 * `loggerInstance` and hands `request.log` (a child) to hookinbox, so both examples log the same lines.
 */
export interface AppLogger extends Logger {
  level: string;
  fatal(obj: object | string, msg?: string): void;
  trace(obj: object | string, msg?: string): void;
  silent(obj: object | string, msg?: string): void;
  child(bindings: object, options?: object): AppLogger;
}

export interface LoggerOptions {
  /** Put at the start of every line, e.g. `gdpr-express`. */
  name: string;
  level: LogLevel;
  /** Where lines go (default: warnings and errors to stderr, the rest to stdout). */
  write?: (line: string, level: Exclude<LogLevel, 'silent'>) => void;
}

const RANK = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, silent: 6 } as const;
type Method = Exclude<keyof typeof RANK, 'silent'>;

const defaultWrite = (line: string, level: string) => {
  if (RANK[level as Method] >= RANK.warn) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

/** `err=the message`, `code=invalid_signature`, … : the fields a reader needs, without stack traces. */
function formatFields(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    if (value instanceof Error) parts.push(`${key}="${value.message}"`);
    else if (typeof value === 'string') parts.push(`${key}=${/\s/.test(value) ? JSON.stringify(value) : value}`);
    else parts.push(`${key}=${JSON.stringify(value)}`);
  }
  return parts.length === 0 ? '' : ` (${parts.join(' ')})`;
}

export function createLogger(options: LoggerOptions): AppLogger {
  const write = options.write ?? defaultWrite;
  const build = (): AppLogger => {
    const threshold = RANK[options.level];
    const emit =
      (level: Method) =>
      (obj: object | string, msg?: string): void => {
        if (RANK[level] < threshold) return;
        const fields = typeof obj === 'string' ? {} : (obj as Record<string, unknown>);
        const text = typeof obj === 'string' ? obj : (msg ?? '');
        const label = level === 'fatal' ? 'error' : level === 'trace' ? 'debug' : level;
        write(`[${options.name}] ${level.padEnd(5)} ${text}${formatFields(fields)}`, label);
      };
    return {
      level: options.level,
      trace: emit('trace'),
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      fatal: emit('fatal'),
      silent: () => {},
      // Fastify binds a request id to each child; it adds nothing to these short lines, so bindings are dropped.
      child: () => build(),
    };
  };
  return build();
}
