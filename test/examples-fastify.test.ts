import { createApp } from '../examples/gdpr-fastify/src/app.js';
import { describeGdprExample } from '../examples/shared/test/gdpr-suite.js';

describeGdprExample({
  example: 'gdpr-fastify',
  createApp,
  async send(app, path, delivery) {
    const response = await app.app.inject({
      method: 'POST',
      url: path,
      headers: delivery.headers,
      payload: delivery.body,
    });
    return { status: response.statusCode, text: response.body };
  },
});
