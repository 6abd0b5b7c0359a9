import { readFile, readdir } from 'node:fs/promises';

import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

/**
 * Prisma's schema engine, compiled to WebAssembly, driven through a driver adapter. It is the
 * engine behind `prisma migrate deploy` and `prisma migrate diff`, without the native binary
 * the CLI would download (see docs/decisions/0003-migrations-offline.md).
 */
const require = createRequire(import.meta.url);
// A Node global that @types/node 20 leaves to the DOM lib; only this much of it is used.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};
const noFilter = { externalTables: [], externalEnums: [] };

let glue: Promise<typeof import('@prisma/schema-engine-wasm')> | undefined;

/** Instantiates the wasm module once per process (the package's own entry needs a wasm-modules flag). */
function loadGlue(): Promise<typeof import('@prisma/schema-engine-wasm')> {
  glue ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return bg;
  })();
  return glue;
}

export interface MigrationsSource {
  schemaPath: string;
  migrationsDir: string;
}

export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    dirs.map(async (dir) => {
      const file = path.join(migrationsDir, dir, 'migration.sql');
      const content = await readFile(file, 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (err: Error) => ({ tag: 'error' as const, value: err.message }),
      );
      return { path: dir, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export async function openSchemaEngine(
  schemaPath: string,
  adapter: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => undefined,
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadGlue();
  const datamodel = await readFile(schemaPath, 'utf8');
  return SchemaEngine.new(
    { datamodels: [[schemaPath, datamodel]] },
    (line: string) => log(line),
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
}

/** Applies pending migrations, recording them in `_prisma_migrations`; returns their names. */
export async function applyMigrations(
  source: MigrationsSource,
  adapter: SqlMigrationAwareDriverAdapterFactory,
): Promise<string[]> {
  const engine = await openSchemaEngine(source.schemaPath, adapter);
  try {
    const migrationsList = await readMigrations(source.migrationsDir);
    const out = await engine.applyMigrations({ migrationsList, filters: noFilter });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * The SQL that takes a database built from the migrations to `schema.prisma`; empty when they
 * agree. The migrations are replayed on the adapter's shadow database.
 */
export async function diffMigrationsToSchema(
  source: MigrationsSource,
  adapter: SqlMigrationAwareDriverAdapterFactory,
): Promise<string> {
  const engine = await openSchemaEngine(source.schemaPath, adapter);
  try {
    const migrationsList = await readMigrations(source.migrationsDir);
    const datamodel = await readFile(source.schemaPath, 'utf8');
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: source.schemaPath, content: datamodel }] },
      script: true,
      exitCode: true,
      filters: noFilter,
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    engine.free();
  }
}
