import pg from 'pg';
import { createApp } from '../../apps/api/src/create-app';
import { loadConfig } from '../../libs/platform/src/config/app-config';
import { EmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { shippedMigrations } from '../../libs/platform/src/database/migrations';
import { freePort, waitFor } from '../support/free-port';
import { ProbeModule } from '../support/probe.module';
import { TEST_JWT_SECRET } from '../support/services';
import { startTestApp } from '../support/test-app';

const json = { 'content-type': 'application/json' };

describe('when the database fails', () => {
  it('starts without it: live at once, ready only once it appears and is migrated, without a restart', async () => {
    const port = await freePort();
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      MIGRATE_ON_START: 'true',
      DATABASE_ACQUIRE_TIMEOUT_MS: '500',
    });
    const app = await createApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    let db: EmbeddedPostgres | undefined;
    try {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const notReady = await fetch(`${base}/ready`);
      expect(notReady.status).toBe(503);
      const body: any = await notReady.json();
      expect(body.error.database.status).toBe('down');

      db = await EmbeddedPostgres.start(undefined, port);
      await waitFor(
        async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined),
        90_000,
        'readiness',
      );

      const check = new pg.Client({ connectionString: db.url });
      await check.connect();
      const applied = await check.query(`SELECT count(*)::int AS n FROM _prisma_migrations`);
      await check.end();
      expect(applied.rows[0].n).toBe((await shippedMigrations()).length);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await app.close();
      await db?.stop();
    }
  }, 120_000); // beyond the 90 s the readiness wait allows: migrating an embedded database on a busy machine

  it('answers 503 with Retry-After within the acquire timeout when the pool is exhausted', async () => {
    const t = await startTestApp({ DATABASE_POOL_MAX: '1', DATABASE_ACQUIRE_TIMEOUT_MS: '300' }, [ProbeModule]);
    const pool = t.app.get(pg.Pool);
    const held = await pool.connect();
    try {
      // The only connection stays held until after the answer: only the acquire timeout can end this request.
      const res = await fetch(`${t.baseUrl}/api/v1/probe`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'a', count: 1 }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      held.release();
    }
    const ok = await fetch(`${t.baseUrl}/api/v1/probe`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'b', count: 1 }),
    });
    expect(ok.status).toBe(201);
    await t.close();
  });

  it('survives its connections being killed and serves again on fresh ones', async () => {
    const t = await startTestApp({}, [ProbeModule]);
    try {
      expect((await fetch(`${t.baseUrl}/ready`)).status).toBe(200);
      const pool = t.app.get(pg.Pool);
      let idleBefore = 0;
      let dropped = 0;
      if (t.db.kind === 'postgres') {
        // The pool drops an idle connection when it errors; wait for all of them rather than a fixed time.
        idleBefore = pool.idleCount;
        pool.on('error', () => dropped++);
        const admin = new pg.Client({ connectionString: t.db.url });
        await admin.connect();
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        await admin.end();
        expect(killed.rowCount).toBeGreaterThan(0);
      } else {
        const client = await pool.connect();
        client.emit('error', new Error('Connection terminated unexpectedly'));
        client.release(true);
      }
      await waitFor(
        async () => (dropped >= idleBefore ? true : undefined),
        30_000,
        'the pool to drop its killed connections',
      );
      await waitFor(
        async () => ((await fetch(`${t.baseUrl}/ready`)).status === 200 ? true : undefined),
        30_000,
        'readiness after reconnect',
      );
      const res = await fetch(`${t.baseUrl}/api/v1/probe`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'c', count: 1 }),
      });
      expect(res.status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
