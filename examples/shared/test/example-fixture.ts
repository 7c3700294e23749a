import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { type ExampleConfig, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { ExampleApp } from '../src/main.js';
import type { ExampleUnderTest } from './gdpr-suite.js';

export const SECRET = 'test-genstore-secret';
export const GEINS_SECRET = 'test-geins-secret';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** One running example shared by several suites: opening its database is the slow part of a test file. */
export interface ExampleFixture<A extends ExampleApp> {
  /** Listening on a free loopback port, with both providers and the admin routes on. */
  app: A;
  url: string;
  exportsDir: string;
  /** Every line the apps logged. */
  logs: string[];
  configFor(env?: Record<string, string>): ExampleConfig;
  /** Another instance over the same database, e.g. a restart with a new configuration; closed after the suites. */
  start(env?: Record<string, string>): Promise<{ app: A; url: string }>;
}

/** Runs `suites` inside one describe whose apps are started once and closed after the last test. */
export function describeWithExample<A extends ExampleApp>(
  subject: ExampleUnderTest<A>,
  suites: (fixture: ExampleFixture<A>) => void,
): void {
  const fixture = { logs: [] as string[] } as ExampleFixture<A>;
  const apps: A[] = [];
  let scratch: string;
  const logger = createLogger({ name: subject.example, level: 'info', write: (l) => fixture.logs.push(l) });

  fixture.configFor = (env = {}) =>
    loadConfig(subject.example, {
      GENSTORE_CLIENT_SECRET: SECRET,
      GEINS_WEBHOOK_SECRET: GEINS_SECRET,
      ADMIN_TOKEN,
      DATABASE_PATH: 'memory://',
      EXPORTS_DIR: fixture.exportsDir,
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    });
  fixture.start = async (env = {}) => {
    const database = apps[0]?.db.sql;
    const app = await subject.createApp(fixture.configFor(env), { logger, ...(database ? { database } : {}) });
    apps.push(app);
    return { app, url: await app.listen() };
  };

  describe(`${subject.example}: one app, several suites`, () => {
    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), `hookinbox-${subject.example}-fixture-`));
      fixture.exportsDir = join(scratch, 'exports');
      ({ app: fixture.app, url: fixture.url } = await fixture.start());
    });
    afterAll(async () => {
      // The first app owns the database: it closes last.
      for (const app of apps.reverse()) await app.close();
      await rm(scratch, { recursive: true, force: true });
    });
    suites(fixture);
  });
}
