import request from 'supertest';
import { createApp } from '../examples/gdpr-express/src/app.js';
import { describeGdprExample } from '../examples/shared/test/gdpr-suite.js';

describeGdprExample({
  example: 'gdpr-express',
  createApp,
  async send(app, path, delivery) {
    const response = await request(app.app).post(path).set(delivery.headers).send(delivery.body);
    return { status: response.status, text: response.text };
  },
});
