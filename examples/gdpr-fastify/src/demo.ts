import { runDemo } from '../../shared/src/demo.js';
import { createApp } from './app.js';

await runDemo('gdpr-fastify', 'Fastify', createApp);
