import 'reflect-metadata';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { type AppConfig, ConfigError, EmbeddedPostgres, Lifecycle, loadConfig } from '@app/platform';
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
  const log = pino({ level: config.log.level });
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
  const [embedded, { createApp }] = await Promise.all([
    embeddedDir ? EmbeddedPostgres.start(embeddedDir, 0, EMBEDDED_SEED) : undefined,
    import('./create-app.js'),
  ]);
  if (embedded) config = config.withDatabaseUrl(embedded.url);

  const app = await createApp(config);
  await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ url: await app.getUrl(), startupMs: Math.round(performance.now() - started) }, 'listening');

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: readiness now 503');
    app.get(Lifecycle).shuttingDown = true;
    await sleep(config.http.shutdownDrainDelayMs);
    await app.close();
    await embedded?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
