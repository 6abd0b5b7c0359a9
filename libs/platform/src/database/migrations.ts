import { readdir } from 'node:fs/promises';
import type pg from 'pg';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { schemaEngineAdapter } from './engine-pg-client.js';
import { migrationsSource } from './project-paths.js';
import { applyMigrations, diffMigrationsToSchema, type MigrationsSource } from './schema-engine.js';

/** Names of the migration folders shipped with this build, in order. */
export async function shippedMigrations(source: MigrationsSource = migrationsSource): Promise<string[]> {
  const entries = await readdir(source.migrationsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Shipped migrations not yet recorded as finished in `_prisma_migrations`. A cheap query, so
 * readiness and start-up can ask it without loading the schema engine.
 */
export async function pendingMigrations(
  db: Pick<pg.Pool, 'query'>,
  source: MigrationsSource = migrationsSource,
): Promise<string[]> {
  const shipped = await shippedMigrations(source);
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return shipped;
  const done = await db.query<{ migration_name: string }>(
    `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Set(done.rows.map((r) => r.migration_name));
  return shipped.filter((name) => !applied.has(name));
}

/** Applies pending migrations to the database at `url` through Prisma's schema engine. */
export async function migrateDatabase(url: string, source: MigrationsSource = migrationsSource): Promise<string[]> {
  const adapter = schemaEngineAdapter(url);
  try {
    return await applyMigrations(source, adapter);
  } finally {
    await adapter.dispose();
  }
}

/**
 * The SQL that takes a database built by the migrations to schema.prisma; '' when they agree.
 * The engine replays the migrations on a throwaway in-memory PostgreSQL (its shadow database),
 * so this needs neither a server nor a download.
 */
export async function migrationDiff(source: MigrationsSource = migrationsSource): Promise<string> {
  const scratch = await EmbeddedPostgres.start(undefined);
  const adapter = schemaEngineAdapter(scratch.url, scratch.url);
  try {
    return await diffMigrationsToSchema(source, adapter);
  } finally {
    await adapter.dispose();
    await scratch.stop();
  }
}
