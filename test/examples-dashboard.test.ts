import { createApp as createExpressApp } from '../examples/gdpr-express/src/app.js';
import { createApp as createFastifyApp } from '../examples/gdpr-fastify/src/app.js';
import { describeDashboard } from '../examples/shared/test/dashboard-suite.js';

// Both examples with QUEUE=bullmq on the real Redis: bull-board's guard, and a dead letter retried in headless Chromium.
describeDashboard({ example: 'gdpr-express', createApp: createExpressApp });
describeDashboard({ example: 'gdpr-fastify', createApp: createFastifyApp });
