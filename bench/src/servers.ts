import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, createReceiver, type DedupeStore, HookinboxError, type Provider } from '@hookinbox/core';
import { webhooks as expressWebhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { genstore } from '@hookinbox/genstore';
import { redisStore } from '@hookinbox/redis';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import express from 'express';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { openBullmq } from './bullmq-queue.js';
import { observe } from './observe.js';
import { GENSTORE_SECRET, GITHUB_EVENT, GITHUB_PATH, GITHUB_SECRET, PATH, TOPIC } from './payload.js';
import { openPgBoss } from './pg-boss-queue.js';
import { redisStoreBefore } from './redis-store-before.js';
import type { ServerSpec } from './rows.js';

// Every row's server in one module, so that the bare baselines and hookinbox's servers are read side by side with
// what each one does per request; longer than a usual module for that reason.

/** A running server under test. */
export interface Running {
  port: number;
  /** The HTTP server, whose `request` events the child counts. */
  server: Server;
  /** CPU time of a worker process the server started (the BullMQ rows' `worker: 'process'`), in microseconds. */
  workerCpuMicros?: () => Promise<number | undefined>;
  /**
   * Resolves once the row's queue has run every job it took (the queue rows): the child waits for it before it starts
   * and before it ends a round's count, so that a row's CPU includes its jobs' and no backlog runs into the next row.
   */
  drain?: () => Promise<void>;
  close(): Promise<void>;
}

const OK = '{"ok":true}';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The irreducible work of a hand-written Genstore receiver: HMAC-SHA256 of the raw body compared in constant time
 * with the base64 header.
 */
function verifyByHand(body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = createHmac('sha256', GENSTORE_SECRET).update(body).digest();
  const received = Buffer.from(header, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** JSON.parse that answers undefined for a bad body, as a hand-written receiver would. */
function parseByHand(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A provider doing only the bare rows' work, so the receiver's and adapter's own cost shows on its own. */
const byHandProvider: Provider = {
  name: 'by-hand',
  verify(delivery) {
    // The Node adapters hand over Buffers.
    const body = delivery.body as Buffer;
    if (!verifyByHand(body, delivery.headers['x-genstore-hmac-sha256'])) {
      throw new HookinboxError('invalid_signature', 'bench: bad signature');
    }
    const payload = parseByHand(body);
    if (payload === undefined) throw new HookinboxError('invalid_body', 'bench: bad JSON');
    return { name: TOPIC, dedupeKey: String(delivery.headers['x-genstore-webhook-id']), payload, meta: {} };
  },
};

/** Claims every key: the receiver's path with no dedupe work at all. */
const noStore: DedupeStore = {
  claim: () => Promise.resolve({ status: 'claimed', token: 't' }),
  commit: () => Promise.resolve(true),
  release: () => Promise.resolve(true),
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function nodeBare(): Promise<Running> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== PATH) {
      res.writeHead(404).end();
      return;
    }
    readBody(req).then(
      (body) => {
        if (!verifyByHand(body, req.headers['x-genstore-hmac-sha256'])) {
          res.writeHead(401, { 'content-type': JSON_TYPE }).end('{"ok":false}');
          return;
        }
        if (parseByHand(body) === undefined) {
          res.writeHead(400, { 'content-type': JSON_TYPE }).end('{"ok":false}');
          return;
        }
        res.writeHead(200, { 'content-type': JSON_TYPE }).end(OK);
      },
      () => res.writeHead(400).end(),
    );
  });
  const port = await listen(server);
  return { port, server, close: () => closeServer(server) };
}

async function fastifyBare(): Promise<Running> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(PATH, (request, reply) => {
    const body = request.body as Buffer;
    if (!verifyByHand(body, request.headers['x-genstore-hmac-sha256'])) {
      reply.code(401).send({ ok: false });
      return;
    }
    if (parseByHand(body) === undefined) {
      reply.code(400).send({ ok: false });
      return;
    }
    reply.code(200).send({ ok: true });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, server: app.server, close: () => app.close() };
}

async function expressBare(): Promise<Running> {
  const app = express();
  app.post(PATH, express.raw({ type: 'application/json' }), (req, res) => {
    const body = req.body as Buffer;
    if (!Buffer.isBuffer(body) || !verifyByHand(body, req.headers['x-genstore-hmac-sha256'])) {
      res.status(401).json({ ok: false });
      return;
    }
    if (parseByHand(body) === undefined) {
      res.status(400).json({ ok: false });
      return;
    }
    res.status(200).json({ ok: true });
  });
  const server = createServer(app);
  const port = await listen(server);
  return { port, server, close: () => closeServer(server) };
}

/** The memory store's bound in the memory rows. */
const MEMORY_BOUND = 1_000_000;

/** Remember `count` distinct deliveries, keyed as the Genstore provider keys them (a digest of the body). */
async function fill(store: DedupeStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = `genstore:prefill:${i.toString(36)}:${randomBytes(16).toString('hex')}`;
    const claim = await store.claim(key, 60_000);
    if (claim.status !== 'claimed' || !(await store.commit(key, claim.token, 7 * 24 * 3_600_000))) {
      throw new Error(`bench: prefill key ${i} was not new`);
    }
  }
}

/** Deletes every key under the row's own prefix, in batches; only once the row is over, never per request. */
async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

// One server per row's spec: the store, queue and observer choices each take a few lines here, beside the framework
// that mounts them, which makes it longer than a usual function.
async function hookinboxServer(spec: ServerSpec): Promise<Running> {
  let store: DedupeStore;
  let redis: Redis | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  let queue: Awaited<ReturnType<typeof openPgBoss | typeof openBullmq>> | undefined;
  if (spec.store === 'postgres-pg-boss') {
    queue = await openPgBoss(spec.databaseUrl as string, spec.databaseSchema as string);
    store = queue.options.store;
    closeStore = () => queue?.close() ?? Promise.resolve();
  } else if (spec.store === 'redis-bullmq') {
    redis = new Redis(spec.redisUrl as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    queue = await openBullmq(spec.redisUrl as string, spec.redisPrefix as string, spec.worker);
    store = queue.options.store;
    closeStore = () => queue?.close() ?? Promise.resolve();
  } else if (spec.store === 'redis' || spec.store === 'redis-before') {
    const prefix = spec.redisPrefix as string;
    // The store as an app would make it from a URL: its own client (auto-pipelined). A second client deletes the
    // row's keys afterwards.
    redis = new Redis(spec.redisUrl as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const options = { url: spec.redisUrl as string, keyPrefix: prefix };
    const own = spec.store === 'redis' ? redisStore(options) : redisStoreBefore(options);
    await own.claim('bench-warm-up', 1); // connected before the load starts
    store = own;
    closeStore = () => own.close();
  } else if (spec.store === 'none') {
    store = noStore;
  } else {
    store = createMemoryStore({ maxEntries: MEMORY_BOUND });
    if (spec.prefill) await fill(store, MEMORY_BOUND);
  }
  const provider = spec.provider === 'by-hand' ? byHandProvider : genstore({ secret: GENSTORE_SECRET });
  const receiver = createReceiver({ provider, store, ...queue?.options });
  const observed = spec.observe ? observe(receiver, spec.observe) : undefined;
  const delay = spec.handlerDelayMs ?? 0;
  let handled = 0;
  receiver.on(
    TOPIC,
    delay > 0
      ? () =>
          new Promise<void>((resolve) => {
            handled++;
            setTimeout(resolve, delay);
          })
      : () => {
          handled++;
        },
  );
  await queue?.startWorker(receiver);

  const cleanup = async () => {
    await receiver.close({ timeoutMs: delay + 1_000 });
    await closeStore?.();
    await observed?.close();
    if (redis) {
      await deletePrefix(redis, spec.redisPrefix as string);
      await redis.quit();
    }
    if (handled === 0 && spec.worker !== 'process') process.stderr.write('bench: no delivery reached the handler\n');
  };
  const workerCpuMicros = queue && 'workerCpuMicros' in queue ? queue.workerCpuMicros : undefined;
  const pending = queue?.pending;
  const extras = {
    ...(workerCpuMicros ? { workerCpuMicros } : {}),
    ...(pending ? { drain: () => drained(pending) } : {}),
  };

  if (spec.kind === 'fastify-hookinbox') {
    const app = Fastify({ logger: false });
    await app.register(hookinbox, { path: PATH, receiver, closeReceiver: false });
    const registry = observed?.registry;
    if (registry)
      app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      port: (app.server.address() as AddressInfo).port,
      server: app.server,
      ...extras,
      close: async () => {
        await app.close();
        await cleanup();
      },
    };
  }
  const app = express();
  app.post(PATH, expressWebhooks(receiver));
  const server = createServer(app);
  const port = await listen(server);
  return {
    port,
    server,
    ...extras,
    close: async () => {
      await closeServer(server);
      await cleanup();
    },
  };
}

/** Waits until `pending` reads 0, for two minutes at most (then says so, and the run goes on). */
async function drained(pending: () => Promise<number>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await pending()) > 0) {
    if (Date.now() > deadline) {
      process.stderr.write('bench: the queue still had jobs after 2 minutes; counting on\n');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function octokit(): Promise<Running> {
  const webhooks = new Webhooks({ secret: GITHUB_SECRET });
  let handled = 0;
  webhooks.on(GITHUB_EVENT, () => {
    handled++;
  });
  const server = createServer(createNodeMiddleware(webhooks, { path: GITHUB_PATH }));
  const port = await listen(server);
  return {
    port,
    server,
    close: async () => {
      await closeServer(server);
      if (handled === 0) process.stderr.write('bench: no delivery reached the handler\n');
    },
  };
}

/** Start the server a row describes on 127.0.0.1 and a free port. */
export function startServer(spec: ServerSpec): Promise<Running> {
  switch (spec.kind) {
    case 'node-bare':
      return nodeBare();
    case 'fastify-bare':
      return fastifyBare();
    case 'express-bare':
      return expressBare();
    case 'fastify-hookinbox':
    case 'express-hookinbox':
      return hookinboxServer(spec);
    case 'octokit':
      return octokit();
  }
}
