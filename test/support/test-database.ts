import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { migrateDatabase } from '../../libs/platform/src/database/migrations';
import { migrationsSource } from '../../libs/platform/src/database/project-paths';
import { realPostgresUrl, withDatabase } from './services';

export interface TestDatabase {
  url: string;
  /** 'postgres' (the real server) or 'embedded' (fallback, PGlite in memory). */
  kind: 'postgres' | 'embedded';
  drop(): Promise<void>;
}

/** A database of its own for one suite, migrated: suites never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = realPostgresUrl();
  if (!adminUrl) {
    const embedded = await EmbeddedPostgres.start(undefined);
    await migrateDatabase(embedded.url);
    return { url: embedded.url, kind: 'embedded', drop: () => embedded.stop() };
  }
  const template = await ensureTemplate(adminUrl);
  const name = `tb_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (c) => retryBusy(() => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)));
  return {
    url: withDatabase(adminUrl, name),
    kind: 'postgres',
    drop: async () => {
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A database of its own with no schema at all (no migrations applied). */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  const adminUrl = realPostgresUrl();
  if (!adminUrl) {
    const embedded = await EmbeddedPostgres.start(undefined);
    return { url: embedded.url, kind: 'embedded', drop: () => embedded.stop() };
  }
  const name = `tb_t_${process.pid}_${randomBytes(4).toString('hex')}_empty`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(adminUrl, name),
    kind: 'postgres',
    drop: async () => {
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

let templateName: Promise<string> | undefined;

/** The migrated template for the current migrations, built once (under an advisory lock) and cloned per suite. */
function ensureTemplate(adminUrl: string): Promise<string> {
  templateName ??= (async () => {
    const dirs = (await readdir(migrationsSource.migrationsDir)).sort();
    const hash = createHash('sha256');
    for (const dir of dirs) {
      hash
        .update(dir)
        .update(await readFile(path.join(migrationsSource.migrationsDir, dir, 'migration.sql')).catch(() => ''));
    }
    const template = `tb_tpl_${hash.digest('hex').slice(0, 12)}`;
    await withAdmin(adminUrl, async (c) => {
      await c.query(`SELECT pg_advisory_lock(hashtext('task-backend test template'))`);
      try {
        if ((await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [template])).rowCount) return;
        const building = `${template}_building`;
        await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${building}"`);
        await migrateDatabase(withDatabase(adminUrl, building));
        await c.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      } finally {
        await c.query(`SELECT pg_advisory_unlock(hashtext('task-backend test template'))`);
      }
    });
    return template;
  })();
  return templateName;
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Cloning a template fails while another session is connected to it; that passes quickly. */
async function retryBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 30 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}

/** For a suite: a database of its own and a small pool on it, made before its tests and removed after. */
export function suiteDatabase(max = 2): { readonly db: TestDatabase; readonly pool: pg.Pool } {
  const state = {} as { db: TestDatabase; pool: pg.Pool };
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.pool = new pg.Pool({ connectionString: state.db.url, max });
  }, 60_000);
  afterAll(async () => {
    await state.pool?.end();
    await state.db?.drop();
  });
  return state;
}
