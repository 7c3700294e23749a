import { runServer } from '../../shared/src/main.js';
import { createApp } from './app.js';

// Reads PORT, GENSTORE_CLIENT_SECRET, DATABASE_PATH, EXPORTS_DIR, REDIS_URL, GEINS_WEBHOOK_SECRET (see README.md).
await runServer('gdpr-express', createApp);
