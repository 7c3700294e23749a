import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type ClaimResult, createMemoryStore, type DedupeStore } from '@hookinbox/core';
import { computeGenstoreSignature } from '@hookinbox/genstore';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { deleteKeys, redisUrl } from '../helpers/redis.js';

/** A request as the tests send it, to `fastify.inject`, a listening server, or `receiver.handle`. */
export interface TestRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A delivery as Genstore sends it: POST, the topic header, and the base64 HMAC-SHA256 of the exact body bytes. */
export function genstoreRequest(options: {
  secret: string;
  body: Buffer | string;
  topic?: string;
  url?: string;
  headers?: Record<string, string>;
}): TestRequest {
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  return {
    method: 'POST',
    url: options.url ?? '/webhooks/genstore',
    headers: {
      'content-type': 'application/json',
      'x-genstore-topic': options.topic ?? 'orders/create',
      'x-genstore-hmac-sha256': computeGenstoreSignature(body, options.secret),
      'x-genstore-shop-domain': 'shop.example',
      ...options.headers,
    },
    body,
  };
}

/**
 * A delivery as Geins sends it for the docs' quick start Body template, with the shared secret in
 * `Authorization: Bearer …`, a fresh `x-idempotency-key` and an `x-timestamp`.
 */
export function geinsRequest(options: {
  secret: string;
  entity?: string;
  action?: string;
  id?: string;
  body?: Buffer | string;
  url?: string;
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}): TestRequest {
  const body =
    options.body ??
    `{"entity":"${options.entity ?? 'Order'}","action":"${options.action ?? 'create'}","id":"${options.id ?? '1'}"}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.secret}`,
    'x-timestamp': new Date().toISOString(),
  };
  const key = options.idempotencyKey === undefined ? randomUUID() : options.idempotencyKey;
  if (key !== null) headers['x-idempotency-key'] = key;
  return {
    method: 'POST',
    url: options.url ?? '/webhooks/geins',
    headers: { ...headers, ...options.headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

/**
 * A memory store that remembers every claim it granted until the claimant commits or releases it, so a test can
 * check that no request leaves a claim behind (a leaked claim answers "in flight" to every retry until its lease
 * ends, and the provider gives up).
 */
export function trackingStore(inner: DedupeStore = createMemoryStore()) {
  const open = new Map<string, string>();
  let claims = 0;
  const store: DedupeStore = {
    async claim(key, leaseMs): Promise<ClaimResult> {
      const result = await inner.claim(key, leaseMs);
      if (result.status === 'claimed') {
        claims++;
        open.set(key, result.token);
      }
      return result;
    },
    async commit(key, token, ttlMs) {
      const ok = await inner.commit(key, token, ttlMs);
      if (ok && open.get(key) === token) open.delete(key);
      return ok;
    },
    async release(key, token) {
      const ok = await inner.release(key, token);
      if (ok && open.get(key) === token) open.delete(key);
      return ok;
    },
  };
  return {
    store,
    /** Keys claimed and neither committed nor released yet. */
    openClaims: () => [...open.keys()],
    /** Claims granted so far. */
    claims: () => claims,
  };
}

/** Send one request over a real socket and read the whole answer. Rejects on a socket error. */
export function send(port: number, req: TestRequest, options: { agent?: Agent; timeoutMs?: number } = {}) {
  return new Promise<TestResponse>((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        // Node sends the body of a GET or DELETE without framing unless told its length.
        headers: { 'content-length': String(req.body.length), ...req.headers },
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Run `work` over `items` with at most `limit` at once; results keep the order of `items`. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What test/fixtures/receiver-process.ts reports to its parent. */
export type ReceiverReport =
  | { type: 'listening'; port: number }
  | { type: 'started'; id: string; attempt: number }
  | { type: 'handled'; id: string }
  | { type: 'closing' }
  | { type: 'closed'; drained: boolean; pending: { name: string; id: string }[] };

export interface ReceiverProcess {
  child: ChildProcess;
  port: number;
  /** Every report so far, in order. */
  reports: ReceiverReport[];
  /** Everything the process wrote to stdout and stderr. */
  output: () => string;
  /** Resolves with the first report (past or future) that `match` accepts. */
  waitFor(match: (report: ReceiverReport) => boolean, timeoutMs?: number): Promise<ReceiverReport>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL it (if still running) and wait for the exit. */
  kill(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/receiver-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Start test/fixtures/receiver-process.ts with `env` and wait until it listens. */
export async function startReceiverProcess(env: Record<string, string>, startTimeoutMs = 15_000) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 200_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const reports: ReceiverReport[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message) => {
    reports.push(message as ReceiverReport);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  const waitFor = (match: (report: ReceiverReport) => boolean, timeoutMs = 10_000) =>
    new Promise<ReceiverReport>((resolve, reject) => {
      const check = () => {
        const found = reports.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`receiver process exited before the report; its output:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such report within ${timeoutMs} ms; its output:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let listening: ReceiverReport;
  try {
    listening = await waitFor((r) => r.type === 'listening', startTimeoutMs);
  } catch (error) {
    await kill();
    throw error;
  }
  const proc: ReceiverProcess = {
    child,
    port: (listening as { port: number }).port,
    reports,
    output: () => output,
    waitFor,
    exited,
    kill,
  };
  return proc;
}

/**
 * Collects unhandled rejections and uncaught exceptions for the whole test file, so a test can assert there were
 * none.
 */
export function watchUnexpectedErrors(): unknown[] {
  const unexpected: unknown[] = [];
  const onUnexpected = (error: unknown) => unexpected.push(error);
  beforeAll(() => {
    process.on('unhandledRejection', onUnexpected);
    process.on('uncaughtException', onUnexpected);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnexpected);
    process.off('uncaughtException', onUnexpected);
  });
  return unexpected;
}

/**
 * Receiver processes for one test file, sharing the tests' Redis: every process started is killed, and every key
 * prefix used is deleted, when the file ends.
 */
export function receiverProcesses() {
  const state = { admin: undefined as unknown as Redis, prefixes: [] as string[], processes: [] as ReceiverProcess[] };
  beforeAll(() => {
    state.admin = new Redis(redisUrl());
  });
  afterAll(async () => {
    await Promise.all(state.processes.map((p) => p.kill()));
    for (const prefix of state.prefixes) await deleteKeys(state.admin, prefix);
    state.admin.disconnect();
  });
  return state;
}
