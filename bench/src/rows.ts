import type { ObserveMode } from './observe.js';

/** What a benchmark child process serves. */
export type ServerKind =
  | 'node-bare'
  | 'fastify-bare'
  | 'express-bare'
  | 'fastify-hookinbox'
  | 'express-hookinbox'
  | 'octokit';

export interface ServerSpec {
  kind: ServerKind;
  /**
   * Dedupe store of the hookinbox rows; `none` claims every key at once, to show what dedupe itself costs;
   * `redis-before`, the Redis store as it was before the compact layout (a key each, `redis-store-before.ts`).
   */
  store?: 'memory' | 'redis' | 'redis-before' | 'none' | 'postgres-pg-boss' | 'redis-bullmq';
  /**
   * Provider of the hookinbox rows: `genstore` (default), or `by-hand`, which does only what the bare rows do (HMAC,
   * JSON.parse), to tell the adapter's and receiver's cost apart from the provider's.
   */
  provider?: 'genstore' | 'by-hand';
  /**
   * Start the memory store full (`--full`): as many distinct deliveries remembered as its bound holds, so every new
   * delivery evicts one, as on a busy instance that has run for a while.
   */
  prefill?: boolean;
  /** How long the hookinbox handler takes; 0 returns at once. */
  handlerDelayMs?: number;
  /** Redis of the redis rows, and the key prefix this row owns (deleted when the row ends). */
  redisUrl?: string;
  redisPrefix?: string;
  /** PostgreSQL of the postgres-pg-boss rows, and the schema this row owns (dropped when the row ends). */
  databaseUrl?: string;
  databaseSchema?: string;
  /** Traces and metrics (see `observe.ts`); the Fastify row then also serves `GET /metrics`. Default: none. */
  observe?: ObserveMode;
  /**
   * Where the BullMQ rows run their worker: in the server's process, or in a process of its own started by it (as an
   * app runs `WORKER=off` web processes beside `WORKER=only` ones). Default: in the server's process.
   */
  worker?: 'in-process' | 'process';
}

export interface Row {
  /** Name for `--only`. */
  id: string;
  label: string;
  server: ServerSpec;
  /** The row this one is divided by in the table's ratio column. */
  baseline: string;
  /** A latency row, sent at the fixed rate of `--rate`; throughput rows send as fast as they can. */
  rate?: boolean;
  /** A latency row's own fixed rate (deliveries a second), when its target names one: `--rate` does not change it. */
  fixedRate?: number;
  /** Which signing scheme and headers the load uses. */
  scheme: 'genstore' | 'github';
  /** A row that explains another; run only when `--only` names it. */
  diagnostic?: boolean;
}

export const ROWS: Row[] = [
  {
    id: 'node-bare',
    label: 'bare node:http',
    server: { kind: 'node-bare' },
    baseline: 'node-bare',
    scheme: 'genstore',
  },
  {
    id: 'fastify-bare',
    label: 'bare Fastify 5 (buffer parser)',
    server: { kind: 'fastify-bare' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
  },
  {
    id: 'express-bare',
    label: 'bare Express 5 (express.raw)',
    server: { kind: 'express-bare' },
    baseline: 'express-bare',
    scheme: 'genstore',
  },
  {
    id: 'fastify-memory',
    label: '@hookinbox/fastify, memory store',
    server: { kind: 'fastify-hookinbox', store: 'memory' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
  },
  {
    id: 'express-memory',
    label: '@hookinbox/express, memory store',
    server: { kind: 'express-hookinbox', store: 'memory' },
    baseline: 'express-bare',
    scheme: 'genstore',
  },
  // The "off" of fastify-observed's target: the SDK registered, hookinbox observing nothing (see BENCHMARKS.md).
  {
    id: 'fastify-sdk',
    label: '@hookinbox/fastify, memory store, OpenTelemetry SDK registered, traces and metrics off',
    server: { kind: 'fastify-hookinbox', store: 'memory', observe: 'sdk' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
  },
  {
    id: 'fastify-observed',
    label: '@hookinbox/fastify, memory store, traces and metrics on',
    server: { kind: 'fastify-hookinbox', store: 'memory', observe: 'on' },
    baseline: 'fastify-sdk',
    scheme: 'genstore',
  },
  {
    id: 'fastify-redis',
    label: '@hookinbox/fastify, Redis store',
    server: { kind: 'fastify-hookinbox', store: 'redis' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
  },
  {
    id: 'express-redis',
    label: '@hookinbox/express, Redis store',
    server: { kind: 'express-hookinbox', store: 'redis' },
    baseline: 'express-bare',
    scheme: 'genstore',
  },
  {
    id: 'fastify-bullmq',
    label: '@hookinbox/fastify, Redis store + BullMQ queue (ack after enqueue)',
    server: { kind: 'fastify-hookinbox', store: 'redis-bullmq' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
  },
  {
    id: 'express-bullmq',
    label: '@hookinbox/express, Redis store + BullMQ queue (ack after enqueue)',
    server: { kind: 'express-hookinbox', store: 'redis-bullmq' },
    baseline: 'express-memory',
    scheme: 'genstore',
  },
  {
    id: 'ack-bullmq',
    label: '@hookinbox/fastify, Redis store + BullMQ queue: ack latency',
    server: { kind: 'fastify-hookinbox', store: 'redis-bullmq' },
    baseline: 'fastify-memory',
    rate: true,
    // Issue 17 names the rate of its target.
    fixedRate: 1_000,
    scheme: 'genstore',
  },
  {
    id: 'fastify-pg-boss',
    label: '@hookinbox/fastify, PostgreSQL store + pg-boss queue (one transaction)',
    server: { kind: 'fastify-hookinbox', store: 'postgres-pg-boss' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
  },
  {
    id: 'ack-pg-boss',
    label: '@hookinbox/fastify, PostgreSQL store + pg-boss queue: ack latency',
    server: { kind: 'fastify-hookinbox', store: 'postgres-pg-boss' },
    baseline: 'fastify-memory',
    rate: true,
    scheme: 'genstore',
  },
  {
    id: 'octokit',
    label: '@octokit/webhooks node middleware',
    server: { kind: 'octokit' },
    baseline: 'node-bare',
    scheme: 'github',
  },
  {
    id: 'ack-1s',
    label: '@hookinbox/fastify, 1 s handler: ack latency',
    server: { kind: 'fastify-hookinbox', store: 'memory', handlerDelayMs: 1_000 },
    baseline: 'fastify-memory',
    rate: true,
    scheme: 'genstore',
  },
  {
    id: 'fastify-bullmq-worker-process',
    label: '@hookinbox/fastify, Redis store + BullMQ queue (ack after enqueue), worker in a process of its own',
    server: { kind: 'fastify-hookinbox', store: 'redis-bullmq', worker: 'process' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'ack-bullmq-worker-process',
    label: '@hookinbox/fastify, Redis store + BullMQ queue, worker in a process of its own: ack latency',
    server: { kind: 'fastify-hookinbox', store: 'redis-bullmq', worker: 'process' },
    baseline: 'fastify-memory',
    rate: true,
    fixedRate: 1_000,
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-no-store',
    label: '@hookinbox/fastify, no dedupe',
    server: { kind: 'fastify-hookinbox', store: 'none' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
    diagnostic: true,
  },
  // Traces and metrics taken apart (issue 20), with fastify-sdk above.
  {
    id: 'fastify-metrics',
    label: '@hookinbox/fastify, memory store, metrics only',
    server: { kind: 'fastify-hookinbox', store: 'memory', observe: 'metrics' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-otel-no-sdk',
    label: '@hookinbox/fastify, memory store, createTracing() with no SDK',
    server: { kind: 'fastify-hookinbox', store: 'memory', observe: 'otel-no-sdk' },
    baseline: 'fastify-memory',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-sdk-tracing',
    label: '@hookinbox/fastify, memory store, OpenTelemetry SDK registered, traces on, metrics off',
    server: { kind: 'fastify-hookinbox', store: 'memory', observe: 'sdk-tracing' },
    baseline: 'fastify-sdk',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-redis-keys',
    label: '@hookinbox/fastify, Redis store before the compact layout (a key each)',
    server: { kind: 'fastify-hookinbox', store: 'redis-before' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-by-hand',
    label: '@hookinbox/fastify, memory store, by-hand provider',
    server: { kind: 'fastify-hookinbox', store: 'memory', provider: 'by-hand' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'express-by-hand',
    label: '@hookinbox/express, memory store, by-hand provider',
    server: { kind: 'express-hookinbox', store: 'memory', provider: 'by-hand' },
    baseline: 'express-bare',
    scheme: 'genstore',
    diagnostic: true,
  },
  {
    id: 'fastify-by-hand-no-store',
    label: '@hookinbox/fastify, no dedupe, by-hand provider',
    server: { kind: 'fastify-hookinbox', store: 'none', provider: 'by-hand' },
    baseline: 'fastify-bare',
    scheme: 'genstore',
    diagnostic: true,
  },
];

/**
 * The order in which each round visits the rows (forwards, then backwards in the next round): the rows a target
 * compares run next to each other, so that a disturbance of the shared machine lasting a few seconds falls on both
 * sides of the ratio rather than on one. The plugin's memory row sits between octokit and its Redis row (the two
 * closest targets), a row from bare Fastify, and the observed row (traces and metrics on) right after the SDK row it
 * is judged against; each Express row sits beside the one it is compared with. The
 * Redis row before the compact layout, a diagnostic, follows today's when `--only` names it. Other rows not listed (the
 * diagnostic ones) come last, in table order.
 */
export const RUN_ORDER: readonly string[] = [
  'node-bare',
  'fastify-bare',
  'octokit',
  'fastify-memory',
  'fastify-redis',
  'fastify-redis-keys',
  'fastify-sdk',
  'fastify-observed',
  'express-redis',
  'express-memory',
  'express-bare',
  'ack-1s',
];

/** Does the row's store live in Redis? */
export const usesRedis = (store: ServerSpec['store']) =>
  store === 'redis' || store === 'redis-before' || store === 'redis-bullmq';

/** Where a row comes in a round. */
export function runPosition(id: string): number {
  const at = RUN_ORDER.indexOf(id);
  return at === -1 ? RUN_ORDER.length + ROWS.findIndex((r) => r.id === id) : at;
}
