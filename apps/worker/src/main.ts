import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ConfigError, configureHttp, fastifyOptions, Lifecycle, loadConfig } from '@app/platform';
import { WorkerAppModule } from './worker-app.module.js';

/** The worker process: runs the consumers, and answers probes on PORT. Needs DATABASE_URL. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (!config.database.url) {
    process.stderr.write('Invalid configuration: DATABASE_URL is required by the worker (single-instance mode runs the worker inside the API)\n');
    process.exit(1);
  }
  const app = await NestFactory.create<NestFastifyApplication>(WorkerAppModule.forRoot(config), new FastifyAdapter(fastifyOptions(config)), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  await configureHttp(app, { openApi: false });
  await app.listen({ port: config.http.port, host: config.http.host });

  const shutdown = async () => {
    app.get(Lifecycle).shuttingDown = true;
    await sleep(config.http.shutdownDrainDelayMs);
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
