import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/create-app';
import { type AppConfig, loadConfig } from '../../libs/platform/src/config/app-config';
import { testBaseSettings } from './services';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * The real API on its own database, listening on a free port; `env` overrides configuration.
 * `beforeListen` sees the application before its routes are registered (e.g. to add a Fastify
 * onRoute hook).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  extraModules: ModuleMetadata['imports'] = [],
  beforeListen?: (app: NestFastifyApplication) => void,
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    ...testBaseSettings(db.url),
    // The tests stand in for a proxy on loopback: their X-Forwarded-For gives each test its own
    // client address (per-IP login limits). TRUST_PROXY: '' restores the default (nobody trusted).
    TRUST_PROXY: 'loopback',
    // A loaded machine can take over a second to answer a ping; a test that wants a check to time out sets its own.
    READY_CHECK_TIMEOUT_MS: '10000',
    ...env,
  });
  const app = await createApp(config, extraModules);
  beforeListen?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();
  return {
    app,
    baseUrl: baseUrl.replace('[::1]', '127.0.0.1'),
    db,
    config,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
