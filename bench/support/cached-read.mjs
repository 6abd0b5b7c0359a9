// A database of its own with one task in tasks_read, and a bearer token of its owner: what
// bench/floor and bench/instructions read, as GET /api/v1/tasks/:id, once the first read cached it.
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Creates database `db` next to `adminUrl`, migrates and seeds it; `drop()` removes it. */
export async function cachedReadFixture({ adminUrl, db, secret }) {
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  };
  try {
    execFileSync(process.execPath, ['dist/apps/cli/src/db-migrate.js'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: dbUrl, JWT_SECRET: secret },
      stdio: 'ignore',
    });
    const owner = randomUUID();
    const taskId = randomUUID();
    const seed = new pg.Client({ connectionString: dbUrl });
    await seed.connect();
    await seed.query(
      `INSERT INTO tasks_read (id, owner_id, title, description, priority, priority_rank, status, due_date, due_sort, version, revision, created_at, updated_at)
       VALUES ($1, $2, 'Write the report', 'Quarterly numbers for the board', 'high', 3, 'pending', now() + interval '2 days', now() + interval '2 days', 1, 1, now(), now())`,
      [taskId, owner],
    );
    await seed.end();
    const now = Math.floor(Date.now() / 1000);
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: owner, email: 'bench@bench.test', roles: ['user'], typ: 'access', iat: now, exp: now + 36_000 })}`;
    const headers = {
      authorization: `Bearer ${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`,
    };
    return { dbUrl, path: `/api/v1/tasks/${taskId}`, headers, drop };
  } catch (err) {
    await drop();
    throw err;
  }
}
