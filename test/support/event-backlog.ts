import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { newUser, send } from './http-client';
import type { Random } from './seeded-random';

/**
 * A backlog of events for the worker to catch up on, made fast: a template of real writes
 * through the API (signups, task creates, status changes, edits, deletes; the worker stopped),
 * then its rows in `users`, `tasks` and `events` copied with fresh ids and emails, in SQL, until
 * the backlog holds `events` events. The copies are what the API would have written for other
 * users, so the read tables must come out as the fold of the write tables.
 */
export async function writeTemplate(baseUrl: string, rnd: Random, users = 8, tasksPerUser = 8): Promise<void> {
  const statuses = ['in_progress', 'completed', 'cancelled', 'pending'];
  for (let u = 0; u < users; u++) {
    const user = await newUser(baseUrl, `backlog${u}`);
    for (let t = 0; t < tasksPerUser; t++) {
      const created = await send(baseUrl, 'POST', '/api/v1/tasks', {
        token: user.token,
        body: {
          title: `task ${u}.${t} ${rnd.word(6)}`,
          description: rnd.word(rnd.int(0, 80)),
          priority: rnd.pick(['low', 'medium', 'high', 'urgent']),
        },
      });
      if (!created.ok || created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created)}`);
      const id = created.body.id as string;
      for (let m = rnd.int(0, 3); m > 0; m--) {
        const change =
          rnd.next() < 0.6
            ? { status: rnd.pick(statuses) }
            : { title: `edited ${rnd.word(5)}`, priority: rnd.pick(['low', 'high']) };
        const patched = await send(baseUrl, 'PATCH', `/api/v1/tasks/${id}`, { token: user.token, body: change });
        if (!patched.ok || (patched.status !== 200 && patched.status !== 422))
          throw new Error(`patch failed: ${JSON.stringify(patched)}`);
      }
      if (rnd.next() < 0.15) {
        const removed = await send(baseUrl, 'DELETE', `/api/v1/tasks/${id}`, { token: user.token });
        if (!removed.ok || removed.status !== 204) throw new Error(`delete failed: ${JSON.stringify(removed)}`);
      }
    }
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const EMAIL = /([A-Za-z0-9._+-]+)@example\.test/g;

/** Copies the template's users, tasks and events until `events` has at least `target` rows; returns the count. */
export async function copyTemplateUntil(databaseUrl: string, target: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = async (sql: string) => (await client.query<{ row: string }>(sql)).rows.map((r) => r.row);
    const users = await rows(`SELECT to_jsonb(u)::text AS row FROM users u`);
    const tasks = await rows(`SELECT to_jsonb(t)::text AS row FROM tasks t`);
    // position and transaction_id take their defaults: the copies commit after the template.
    const events = await rows(
      `SELECT (to_jsonb(e) - 'position' - 'transaction_id')::text AS row FROM events e ORDER BY position`,
    );
    const columns = (
      await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name NOT IN ('position', 'transaction_id')`,
      )
    ).rows
      .map((r) => `"${r.column_name}"`)
      .join(', ');
    let count = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM events`)).rows[0].n);
    while (count < target) {
      const ids = new Map<string, string>();
      // Emails must stay unique across calls too (a later call copies earlier copies): a fresh prefix per copy.
      const prefix = randomBytes(4).toString('hex');
      const rewrite = (row: string) =>
        row
          .replace(UUID, (id) => ids.get(id) ?? (ids.set(id, randomUUID()), ids.get(id)!))
          .replace(EMAIL, `c${prefix}.$1@example.test`);
      await client.query('BEGIN');
      await client.query(`INSERT INTO users SELECT * FROM jsonb_populate_recordset(NULL::users, $1::jsonb)`, [
        `[${users.map(rewrite).join(',')}]`,
      ]);
      await client.query(`INSERT INTO tasks SELECT * FROM jsonb_populate_recordset(NULL::tasks, $1::jsonb)`, [
        `[${tasks.map(rewrite).join(',')}]`,
      ]);
      await client.query(
        `INSERT INTO events (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::events, $1::jsonb) WITH ORDINALITY ORDER BY ordinality`,
        [`[${events.map(rewrite).join(',')}]`],
      );
      await client.query('COMMIT');
      count += events.length;
    }
    return count;
  } finally {
    await client.end();
  }
}
