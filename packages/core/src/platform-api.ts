import { z } from 'zod';

/**
 * Retry policy of the platforms' admin clients. 429 and 5xx answers are retried with exponential backoff that
 * honours `Retry-After`; other 4xx answers never are. Network failures and timeouts are retried only for idempotent
 * methods (GET, PUT, DELETE): retrying a POST whose answer was lost could create the webhook twice.
 */
export const platformApiRetrySchema = z
  .object({
    /** Calls in all, the first included (default 3). */
    attempts: z.number().int().min(1).max(10).default(3),
    /** Delay before the first retry (default 500 ms); multiplied by `factor` after each failure. */
    minDelayMs: z.number().int().nonnegative().default(500),
    /**
     * Longest wait between two calls (default 30 s). A `Retry-After` longer than this is not waited for: the
     * error is thrown at once, with the server's answer, so a CLI never hangs for minutes.
     */
    maxDelayMs: z.number().int().nonnegative().default(30_000),
    factor: z.number().min(1).default(2),
    /** Longest wait for one call's answer (default 30 s). */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .prefault({});

/** The retry options a client accepts; every field is optional. */
export type PlatformApiRetryOptions = z.input<typeof platformApiRetrySchema>;
/** The retry policy once parsed, every default filled in. */
export type PlatformApiRetryPolicy = z.output<typeof platformApiRetrySchema>;

/** The `fetch` the clients call: the platform's global one by default. */
export type PlatformApiFetch = (input: string, init: RequestInit) => Promise<Response>;

/** What a {@link PlatformApiError} carries besides its message. */
export interface PlatformApiErrorDetails {
  status: number;
  body?: unknown;
  method: string;
  url: string;
  attempts: number;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * A call to a platform's admin API that failed: the server answered with a non-2xx status (after retries, for 429
 * and 5xx), the answer did not have the documented shape, or no answer arrived (`status` 0). Each provider package
 * throws its own subclass (`GenstoreAdminError`, `GeinsAdminError`).
 *
 * It is a client-side error, unrelated to the receiver's `HookinboxError`.
 */
export class PlatformApiError extends Error {
  override readonly name: string = 'PlatformApiError';
  /** The platform called, e.g. `'genstore'`. */
  readonly platform: string;
  /** The HTTP status of the last answer; 0 when no answer arrived (network failure, timeout). */
  readonly status: number;
  /** The last answer's body: parsed JSON when it was JSON, its text otherwise, undefined when empty. */
  readonly body: unknown;
  readonly method: string;
  /** The URL called (it never carries a credential: those travel in headers). */
  readonly url: string;
  /** Calls made before giving up. */
  readonly attempts: number;
  /** What `Retry-After` asked for, in milliseconds, when the last answer had one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, platform: string, details: PlatformApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.platform = platform;
    this.status = details.status;
    this.body = details.body;
    this.method = details.method;
    this.url = details.url;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * Milliseconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One admin API call. */
export interface PlatformApiCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The request body, sent as JSON (with `content-type: application/json`); no body when undefined. */
  json?: unknown;
}

/** A 2xx answer to a {@link PlatformApiCall}. */
export interface PlatformApiResponse {
  status: number;
  /** Calls made, the successful one included. */
  attempts: number;
  headers: Headers;
  /** Parsed JSON when it was JSON, its text otherwise, undefined when empty. */
  body: unknown;
}

/** How {@link sendPlatformApiCall} calls, retries and fails, for one provider package. */
export interface PlatformApiCallOptions {
  fetch: PlatformApiFetch;
  retry: PlatformApiRetryPolicy;
  /** The package name every error message starts with, e.g. `'@hookinbox/genstore'`. */
  prefix: string;
  /** Builds the package's own error, so callers can tell the platforms' failures apart. */
  createError: (message: string, details: PlatformApiErrorDetails) => PlatformApiError;
  /** Parses a non-empty answer; `JSON.parse` unless the platform's JSON needs care. A throw keeps the text. */
  parseJson?: (text: string) => unknown;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Sends one admin API call, retrying as {@link platformApiRetrySchema} says; resolves with a 2xx answer only and
 * rejects with the error `createError` builds.
 */
export async function sendPlatformApiCall(
  call: PlatformApiCall,
  options: PlatformApiCallOptions,
): Promise<PlatformApiResponse> {
  const { fetch: fetchFn, retry: policy, prefix, createError, parseJson = JSON.parse } = options;
  const hasBody = call.json !== undefined;
  const headers = hasBody ? { ...call.headers, 'content-type': 'application/json' } : call.headers;
  const body = hasBody ? JSON.stringify(call.json) : undefined;
  let delay = policy.minDelayMs;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchFn(call.url, {
        method: call.method,
        headers,
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
    } catch (cause) {
      if (attempt < policy.attempts && IDEMPOTENT.has(call.method)) {
        await sleep(Math.min(delay, policy.maxDelayMs));
        delay *= policy.factor;
        continue;
      }
      throw createError(`${prefix}: ${call.method} ${call.url} got no answer (${describe(cause)})`, {
        status: 0,
        method: call.method,
        url: call.url,
        attempts: attempt,
        cause,
      });
    }
    const answer = await readBody(response, parseJson);
    if (response.ok) {
      return { status: response.status, attempts: attempt, headers: response.headers, body: answer };
    }

    const retryable = response.status === 429 || response.status >= 500;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const wait = retryAfterMs ?? Math.min(delay, policy.maxDelayMs);
    if (retryable && attempt < policy.attempts && wait <= policy.maxDelayMs) {
      await sleep(wait);
      delay *= policy.factor;
      continue;
    }
    throw createError(
      `${prefix}: ${call.method} ${call.url} answered ${response.status}${summary(answer)}${
        attempt > 1 ? ` after ${attempt} attempts` : ''
      }`,
      { status: response.status, body: answer, method: call.method, url: call.url, attempts: attempt, retryAfterMs },
    );
  }
}

/** Reads a response body without ever throwing: parsed JSON when it is JSON, text otherwise. */
async function readBody(response: Response, parseJson: (text: string) => unknown): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

function summary(body: unknown): string {
  if (body === undefined) return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${cause.message}: ${code}` : cause.message;
  }
  return String(cause);
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
