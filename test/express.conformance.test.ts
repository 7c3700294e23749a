import type { Server } from 'node:http';
import { webhooks } from '@hookinbox/express';
import express from 'express';
import express4 from 'express4';
import supertest from 'supertest';
import { describeConformance, listeningUrl } from './conformance.js';

for (const [label, create] of [
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
] as const) {
  describeConformance({
    name: label,
    async mount(receiver) {
      const app = create();
      app.use('/webhooks/test', webhooks(receiver));
      const server: Server = await new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      const agent = supertest(server);
      return {
        url: listeningUrl(server.address()),
        async send(d) {
          const res = await agent.post(d.url).set(d.headers).serialize(keepBytes).send(d.body);
          return { status: res.status, headers: res.headers, text: res.text };
        },
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  });
}

// superagent would JSON-encode a Buffer sent with a JSON content-type; the exact bytes must go out.
const keepBytes = ((body: Buffer) => body) as unknown as (obj: unknown) => string;
