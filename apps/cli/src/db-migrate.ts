import 'reflect-metadata';
import { ConfigError, loadConfig, migrateDatabase } from '@app/platform';

/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL through Prisma's schema
 * engine (WebAssembly), recording them in `_prisma_migrations` as `prisma migrate deploy` does.
 */
try {
  const config = loadConfig();
  if (!config.database.url) {
    process.stderr.write('DATABASE_URL is not set (the embedded database migrates itself at start)\n');
    process.exit(2);
  }
  const applied = await migrateDatabase(config.database.url);
  process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations.\n');
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
}
