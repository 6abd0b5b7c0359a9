import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, configureHttp, fastifyOptions, MigrationService, NestLogger } from '@app/platform';
import { AppModule } from './app.module.js';

/** Builds the API application (not yet listening); main.ts and the e2e tests share it. */
export async function createApp(
  config: AppConfig,
  extraModules: ModuleMetadata['imports'] = [],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, extraModules),
    new FastifyAdapter(fastifyOptions(config)),
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(NestLogger));
  // Until the schema is current, routes answer 503 with Retry-After rather than fail on missing tables.
  configureHttp(app, { schema: app.get(MigrationService), corsOrigins: config.http.corsOrigins });
  return app;
}
