import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createFetchHandler } from '@hookinbox/fetch';
import { describeConformance, listeningUrl } from './conformance.js';

// A real loopback server: @hono/node-server turns each Node request into a Fetch Request and writes the Response back.
describeConformance({
  name: 'fetch (on @hono/node-server)',
  async mount(receiver) {
    const handle = createFetchHandler(receiver, { runtime: 'server' });
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: handle, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const url = listeningUrl(server.address());
    return {
      url,
      async send(d) {
        const res = await fetch(url + d.url, { method: d.method, headers: d.headers, body: d.body });
        return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
      },
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
});
