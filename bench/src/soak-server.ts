/**
 * The server side of `pnpm soak`, run by bench/src/soak.ts as a child process with an IPC channel, so its memory and
 * handles are measured apart from the load generator.
 *
 * SOAK_TARGET=example serves the GDPR example on Fastify (examples/gdpr-fastify) with an in-memory database and
 * the memory dedupe store; SOAK_TARGET=plain serves a bare Fastify app with the Genstore provider, the memory store
 * and a handler that only counts. Both listen on 127.0.0.1 on a free port.
 *
 * Messages: it sends `{ type: 'listening', port, target }`; it answers `{ type: 'sample' }` with
 * `{ type: 'sample', rss, heapUsed, handles, resources, stats }` and stops on `{ type: 'stop' }`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReceiver, type Receiver, silentLogger } from '@hookinbox/core';
import { hookinbox } from '@hookinbox/fastify';
import { genstore } from '@hookinbox/genstore';
import Fastify from 'fastify';

const secret = process.env.SOAK_SECRET ?? 'soak-client-secret';
const target = process.env.SOAK_TARGET === 'plain' ? 'plain' : 'example';

interface Served {
  port: number;
  receiver: Receiver<any, any>;
  close(): Promise<void>;
}

async function serveExample(): Promise<Served> {
  const { createApp } = await import('../../examples/gdpr-fastify/src/app.js');
  const { loadConfig } = await import('../../examples/shared/src/config.js');
  const { createLogger } = await import('../../examples/shared/src/logger.js');
  const exportsDir = mkdtempSync(join(tmpdir(), 'hookinbox-soak-'));
  const config = loadConfig('gdpr-fastify', {
    PORT: '0',
    HOST: '127.0.0.1',
    GENSTORE_CLIENT_SECRET: secret,
    DATABASE_PATH: 'memory://',
    EXPORTS_DIR: exportsDir,
    LOG_LEVEL: 'warn',
  });
  const app = await createApp(config, { logger: createLogger({ name: 'soak', level: 'warn' }) });
  const url = await app.listen();
  return {
    port: Number(new URL(url).port),
    receiver: app.receivers.genstore,
    async close() {
      await app.close();
      rmSync(exportsDir, { recursive: true, force: true });
    },
  };
}

async function servePlain(): Promise<Served> {
  const receiver = createReceiver({ provider: genstore({ secret }), logger: silentLogger });
  let handled = 0;
  receiver.on('*', () => {
    handled++;
  });
  const app = Fastify();
  await app.register(hookinbox, { path: '/webhooks/genstore', receiver });
  app.get('/handled', async () => ({ handled }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    receiver,
    close: () => app.close(),
  };
}

const served = target === 'example' ? await serveExample() : await servePlain();
const send = (message: object) => process.send?.(message);
send({ type: 'listening', port: served.port, target });

process.on('message', (message: { type?: string }) => {
  if (message.type === 'sample') {
    const memory = process.memoryUsage();
    send({
      type: 'sample',
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      // Undocumented but the usual leak probe: sockets, servers and timers that keep the loop alive.
      handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length,
      resources: process.getActiveResourcesInfo().length,
      stats: served.receiver.stats(),
    });
  } else if (message.type === 'stop') {
    void served.close().then(() => process.exit(0));
  }
});
// Without a parent there is nobody to stop it.
process.on('disconnect', () => process.exit(0));
