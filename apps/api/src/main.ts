import 'reflect-metadata';
import path from 'node:path';
import { pino } from 'pino';
// Only configuration and the embedded database are imported up front: they start while the
// rest of the application's modules load (about a second of module loading on this runtime).
import { type AppConfig, ConfigError, loadConfig } from '../../../libs/platform/src/config/app-config.js';
import { EmbeddedPostgres } from '../../../libs/platform/src/database/embedded-postgres.js';
import { stdoutDestination } from '../../../libs/platform/src/logging/stdout-destination.js';
import { EMBEDDED_SEED } from './embedded-seed-path.js';

function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  let config = configOrExit();
  // The application's loggers share this destination: one order of lines, all written at exit.
  const log = pino({ level: config.log.level }, stdoutDestination());
  const embeddedDir = config.singleInstance ? path.join(config.database.dataDir, 'pglite') : undefined;
  log.info(
    {
      database: embeddedDir ? `embedded PostgreSQL (PGlite) in ${embeddedDir}` : 'PostgreSQL (DATABASE_URL)',
      redis: config.redis.url ? 'Redis (REDIS_URL)' : 'in-process adapters (no REDIS_URL)',
      worker: config.runWorkerInApi ? 'in this process' : 'separate process (apps/worker)',
    },
    'starting with these backends',
  );

  // The embedded database and the application's modules load concurrently.
  const [embedded, { createApp }, { flushTracing, installGracefulShutdown, SlowRouteModule }] = await Promise.all([
    embeddedDir ? EmbeddedPostgres.start(embeddedDir, 0, EMBEDDED_SEED) : undefined,
    import('./create-app.js'),
    import('@app/platform'),
  ]);
  if (embedded) config = config.withDatabaseUrl(embedded.url);

  const app = await createApp(config, config.ops.testSlowRoute ? [SlowRouteModule] : []);
  await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ url: await app.getUrl(), startupMs: Math.round(performance.now() - started) }, 'listening');

  installGracefulShutdown(app, {
    drainDelayMs: config.http.shutdownDrainDelayMs,
    graceMs: config.ops.shutdownGraceMs,
    log,
    after: async () => {
      await embedded?.stop();
      await flushTracing();
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
