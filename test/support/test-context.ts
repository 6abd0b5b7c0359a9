import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type AppConfig, loadConfig } from '../../libs/platform/src/config/app-config';
import { IdempotencyModule } from '../../libs/platform/src/idempotency/idempotency.module';
import { PlatformModule } from '../../libs/platform/src/platform.module';
import { testBaseSettings } from './services';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestContext {
  app: INestApplicationContext;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * The platform (with the idempotency module the slices' write routes declare, as the API has it)
 * plus `imports` as a Nest context (no HTTP) on a database of its own: for integration suites.
 */
export async function startTestContext(
  imports: ModuleMetadata['imports'] = [],
  env: Record<string, string> = {},
): Promise<TestContext> {
  const db = await createTestDatabase();
  const config = loadConfig({ ...testBaseSettings(db.url), ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config), IdempotencyModule, ...imports],
  }).compile();
  const app = await moduleRef.init();
  return {
    app,
    db,
    config,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
