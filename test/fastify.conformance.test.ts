import { hookinbox } from '@hookinbox/fastify';
import Fastify from 'fastify';
import { describeConformance } from './conformance.js';

describeConformance({
  name: 'fastify 5',
  async mount(receiver) {
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/test', receiver, closeReceiver: false });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url,
      async send(d) {
        const res = await app.inject({ method: d.method as 'POST', url: d.url, headers: d.headers, payload: d.body });
        return { status: res.statusCode, headers: res.headers as Record<string, string>, text: res.body };
      },
      close: () => app.close(),
    };
  },
});
