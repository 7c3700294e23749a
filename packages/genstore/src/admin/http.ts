import type { RetryOptions, ShouldRetryState } from 'ky';
import { z } from 'zod';

const PREFIX = '@hookinbox/genstore';

/**
 * How the admin client retries. 429, 500, 502, 503 and 504 answers are retried with exponential backoff that honours
 * `Retry-After`; other answers never are. A lost answer (network failure, timeout) is retried only for GET, PUT and
 * DELETE: retrying a POST whose answer was lost could create the subscription twice.
 */
export const genstoreAdminRetrySchema = z
  .object({
    /** Calls in all, the first included (default 3). */
    attempts: z.number().int().min(1).max(10).default(3),
    /** Delay before the first retry (default 500 ms); multiplied by `factor` after each failure. */
    minDelayMs: z.number().int().nonnegative().default(500),
    /**
     * Longest wait between two calls (default 30 s). A `Retry-After` longer than this is not waited for: the error
     * is thrown at once, with the server's answer, so a CLI never hangs for minutes.
     */
    maxDelayMs: z.number().int().nonnegative().default(30_000),
    factor: z.number().min(1).default(2),
    /** Longest wait for one call's answer (default 30 s). */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .prefault({});

/** The retry options of the admin client; every field is optional. */
export type GenstoreAdminRetryOptions = z.input<typeof genstoreAdminRetrySchema>;

/** The `fetch` the admin client calls, with a `Request` it built: the global `fetch` by default. */
export type GenstoreAdminFetch = (input: Request, init?: RequestInit) => Promise<Response>;

/** What a {@link GenstoreAdminError} carries besides its message. */
export interface GenstoreAdminErrorDetails {
  status: number;
  body?: unknown;
  method: string;
  url: string;
  attempts: number;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * A call to the Genstore Admin API that failed: the server answered with a non-2xx status (after retries, for 429
 * and 5xx), the answer did not have the documented shape, or no answer arrived (`status` 0). The access token never
 * appears in it: it travels in a header.
 *
 * It is a client-side error, unrelated to the receiver's `HookinboxError`.
 */
export class GenstoreAdminError extends Error {
  override readonly name = 'GenstoreAdminError';
  /** The HTTP status of the last answer; 0 when no answer arrived (network failure, timeout). */
  readonly status: number;
  /** The last answer's body: parsed JSON when it was JSON, its text otherwise, undefined when empty. */
  readonly body: unknown;
  readonly method: string;
  /** The URL called (it never carries the token). */
  readonly url: string;
  /** Calls made before giving up. */
  readonly attempts: number;
  /** What `Retry-After` asked for, in milliseconds, when the last answer had one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: GenstoreAdminErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.body = details.body;
    this.method = details.method;
    this.url = details.url;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** One call to the Admin API; `json` is sent as the body. */
export interface AdminCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  json?: unknown;
}

/** A 2xx answer, its body parsed. */
export interface AdminAnswer {
  status: number;
  attempts: number;
  headers: Headers;
  body: unknown;
}

/**
 * Sends one call through ky, which does the retrying, backoff, `Retry-After` and timeouts. Written here: counting the
 * attempts, failing at once on a long `Retry-After` (ky would wait `maxRetryAfter` and try again), keeping a lost POST
 * unretried, and turning ky's errors into a {@link GenstoreAdminError} with the answer's body.
 */
export async function sendAdminCall(
  call: AdminCall,
  fetchFn: GenstoreAdminFetch,
  policy: z.output<typeof genstoreAdminRetrySchema>,
): Promise<AdminAnswer> {
  // Loaded on the first call: ky is ESM only, and a receiver that never calls the Admin API need not load it.
  const { default: ky, isHTTPError, isTimeoutError } = await import('ky');
  let attempts = 0;
  const shouldRetry = ({ error }: ShouldRetryState) => {
    if (isHTTPError(error)) {
      const wait = parseRetryAfter(error.response.headers.get('retry-after'));
      return wait !== undefined && wait > policy.maxDelayMs ? false : undefined;
    }
    return call.method === 'POST' ? false : undefined;
  };
  const retry: RetryOptions = {
    limit: policy.attempts - 1,
    methods: ['get', 'put', 'delete', 'post'],
    statusCodes: RETRIED,
    afterStatusCodes: RETRIED,
    delay: (n) => policy.minDelayMs * policy.factor ** (n - 1),
    backoffLimit: policy.maxDelayMs,
    retryOnTimeout: true,
    shouldRetry,
  };
  const { method, url } = call;
  const where = `${PREFIX}: ${method} ${url}`;
  try {
    const response = await ky(url, {
      method,
      headers: call.headers,
      json: call.json,
      timeout: policy.timeoutMs,
      retry,
      fetch: (input, init) => {
        attempts++;
        return fetchFn(input as Request, init);
      },
    });
    return { status: response.status, attempts, headers: response.headers, body: await readBody(response) };
  } catch (error) {
    if (!isHTTPError(error)) {
      const reason = isTimeoutError(error) ? `no answer within ${policy.timeoutMs} ms` : describe(error);
      throw new GenstoreAdminError(`${where} got no answer (${reason})`, {
        status: 0,
        method,
        url,
        attempts,
        cause: error,
      });
    }
    const { status, headers } = error.response;
    const body = await readBody(error.response);
    const after = attempts > 1 ? ` after ${attempts} attempts` : '';
    throw new GenstoreAdminError(`${where} answered ${status}${summary(body)}${after}`, {
      status,
      body,
      method,
      url,
      attempts,
      retryAfterMs: parseRetryAfter(headers.get('retry-after')),
    });
  }
}

const RETRIED = [429, 500, 502, 503, 504];

/**
 * Genstore ids are 64-bit integers sent as JSON numbers; above 2^53 JSON.parse would round them silently. Quoting
 * long `id` values first keeps every digit (ids are normalised to strings anyway).
 */
export function parseGenstoreJson(text: string): unknown {
  return JSON.parse(text.replace(/(?<!\\)"id"(\s*):(\s*)(\d{16,})(?=\s*[,}\]])/g, '"id"$1:$2"$3"'));
}

/** Reads a body without ever throwing: parsed JSON when it is JSON, text otherwise, undefined when empty. */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text.trim() === '') return undefined;
  try {
    return parseGenstoreJson(text);
  } catch {
    return text;
  }
}

/**
 * Milliseconds a `Retry-After` asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3). ky reads it too, but keeps
 * the value to itself; the client needs it to refuse a long wait and to report it.
 */
function parseRetryAfter(value: string | null): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function summary(body: unknown): string {
  if (body === undefined) return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${cause.message}: ${code}` : cause.message;
}
