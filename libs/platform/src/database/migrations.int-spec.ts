import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { realPostgresUrl, withDatabase } from '../../../../test/support/services';
import { EmbeddedPostgres } from './embedded-postgres';
import { migrateDatabase, migrationDiff, pendingMigrations, shippedMigrations } from './migrations';
import { migrationsSource } from './project-paths';

/** An empty database on the real server, or an in-memory embedded one when the server is absent. */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = realPostgresUrl();
  if (!admin) {
    const db = await EmbeddedPostgres.start(undefined);
    return { url: db.url, drop: () => db.stop() };
  }
  const name = `tb_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  return {
    url: withDatabase(admin, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

describe('migrations through the WebAssembly schema engine', () => {
  it('creates the schema on an empty database, records it as Prisma does, and applies nothing the second time', async () => {
    const db = await emptyDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const shipped = await shippedMigrations();
      expect(await pendingMigrations(pool)).toEqual(shipped);

      expect(await migrateDatabase(db.url)).toEqual(shipped);
      const recorded = await pool.query(
        `SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(recorded.rows.map((r) => r.migration_name)).toEqual(shipped);
      for (const row of recorded.rows) {
        expect(row.finished_at).not.toBeNull();
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      }
      expect((await pool.query(`SELECT to_regclass('events') AS t`)).rows[0].t).toBe('events');

      expect(await migrateDatabase(db.url)).toEqual([]);
      expect(await pendingMigrations(pool)).toEqual([]);
      expect((await pool.query(`SELECT count(*)::int AS n FROM _prisma_migrations`)).rows[0].n).toBe(shipped.length);
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('diffs the migrations against schema.prisma offline: nothing when they agree, the SQL when they do not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tb-schema-'));
    try {
      expect(await migrationDiff()).toBe('');

      await cp(path.dirname(migrationsSource.schemaPath), dir, { recursive: true });
      const schemaPath = path.join(dir, 'schema.prisma');
      const schema = await readFile(schemaPath, 'utf8');
      await writeFile(schemaPath, `${schema}\nmodel Widget {\n  id Int @id\n  @@map("widgets")\n}\n`);
      const sql = await migrationDiff({ schemaPath, migrationsDir: path.join(dir, 'migrations') });
      expect(sql).toContain('CREATE TABLE "widgets"');
      expect(sql).not.toContain('"events"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000); // the WebAssembly engine replays every migration into a shadow database: slow on a busy machine
});
