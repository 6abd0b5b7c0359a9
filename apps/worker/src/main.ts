import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import {
  ConfigError,
  configureHttp,
  fastifyOptions,
  flushTracing,
  installGracefulShutdown,
  loadConfig,
  NestLogger,
  stdoutDestination,
} from '@app/platform';
import { WorkerAppModule } from './worker-app.module.js';

/** The worker process: runs the consumers, and answers probes and /metrics on PORT. Needs DATABASE_URL. */
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
    process.stderr.write(
      'Invalid configuration: DATABASE_URL is required by the worker (single-instance mode runs the worker inside the API)\n',
    );
    process.exit(1);
  }
  const log = pino({ level: config.log.level }, stdoutDestination());
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerAppModule.forRoot(config),
    new FastifyAdapter(fastifyOptions(config)),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(NestLogger));
  configureHttp(app, { openApi: false });
  await app.listen({ port: config.http.port, host: config.http.host });
  installGracefulShutdown(app, {
    drainDelayMs: config.http.shutdownDrainDelayMs,
    graceMs: config.ops.shutdownGraceMs,
    log,
    after: flushTracing,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
