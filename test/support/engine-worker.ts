// A worker process for the takeover test: the platform, the engine and the test consumers on
// DATABASE_URL. Run with `node --import ./test/support/ts-register.mjs test/support/engine-worker.ts`.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { EventsEngineModule } from '@app/events';
import { loadConfig, PlatformModule } from '@app/platform';
import { TestConsumersModule } from './events-fixtures';
import { TEST_JWT_SECRET } from './services';

const config = loadConfig({
  ...process.env,
  JWT_SECRET: TEST_JWT_SECRET,
  LOG_LEVEL: 'silent',
  MIGRATE_ON_START: 'false',
  EVENTS_POLL_INTERVAL_MS: '200',
  EVENTS_LEASE_RETRY_MS: '300',
});

@Module({ imports: [PlatformModule.forRoot(config), EventsEngineModule, TestConsumersModule.with()] })
class EngineWorkerModule {}

const app = await NestFactory.createApplicationContext(EngineWorkerModule, { logger: false });
await app.init();
process.stdout.write('ready\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
