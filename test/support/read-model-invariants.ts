import { waitFor } from './free-port';

/** Where the queries go: a FaultStack, or anything with the same `query`. */
export interface Database {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

/**
 * Where the read tables differ from the fold of the write tables, one line per difference (none:
 * the projections are exact): `tasks_read` against `tasks`, `users_read` against `users`, and
 * each user's task counts by status against a count of `tasks`.
 */
export async function readModelDifferences(db: Database, limit = 20): Promise<string[]> {
  const tasks = await db.query<{ id: string; problem: string }>(
    `SELECT coalesce(w.id, r.id)::text AS id,
            CASE WHEN w.id IS NULL THEN 'in tasks_read only' WHEN r.id IS NULL THEN 'missing from tasks_read' ELSE 'differs' END AS problem
       FROM tasks w FULL JOIN tasks_read r ON r.id = w.id
      WHERE w.id IS NULL OR r.id IS NULL
         OR (w.owner_id, w.title, w.description, w.priority, w.status, w.due_date, w.version)
            IS DISTINCT FROM (r.owner_id, r.title, r.description, r.priority, r.status, r.due_date, r.version)
      LIMIT $1`,
    [limit],
  );
  const users = await db.query<{ id: string; problem: string }>(
    `WITH counts AS (
       SELECT owner_id,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
         FROM tasks GROUP BY owner_id)
     SELECT coalesce(u.id, r.id)::text AS id,
            CASE WHEN u.id IS NULL THEN 'in users_read only' WHEN r.id IS NULL THEN 'missing from users_read'
                 WHEN (u.name, u.email, u.display_name) IS DISTINCT FROM (r.name, r.email, r.display_name) THEN 'profile differs'
                 ELSE format('counts %s/%s/%s/%s, tasks say %s/%s/%s/%s', r.tasks_pending, r.tasks_in_progress, r.tasks_completed, r.tasks_cancelled,
                             coalesce(c.pending, 0), coalesce(c.in_progress, 0), coalesce(c.completed, 0), coalesce(c.cancelled, 0)) END AS problem
       FROM users u FULL JOIN users_read r ON r.id = u.id LEFT JOIN counts c ON c.owner_id = u.id
      WHERE u.id IS NULL OR r.id IS NULL
         OR (u.name, u.email, u.display_name) IS DISTINCT FROM (r.name, r.email, r.display_name)
         OR (r.tasks_pending, r.tasks_in_progress, r.tasks_completed, r.tasks_cancelled)
            IS DISTINCT FROM (coalesce(c.pending, 0), coalesce(c.in_progress, 0), coalesce(c.completed, 0), coalesce(c.cancelled, 0))
      LIMIT $1`,
    [limit],
  );
  return [...tasks.map((r) => `task ${r.id}: ${r.problem}`), ...users.map((r) => `user ${r.id}: ${r.problem}`)];
}

/** Waits (generous ceiling) until the projections have caught up with the write tables, then returns; throws with the differences left. */
export async function waitForExactProjections(db: Database, timeoutMs: number): Promise<void> {
  let last: string[] = [];
  await waitFor(
    async () => {
      last = await readModelDifferences(db);
      return last.length === 0 ? true : undefined;
    },
    timeoutMs,
    'the read tables to equal the fold of the write tables',
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still different:\n${last.join('\n')}`);
  });
}

/** Dead letters (a consumer that gave up on an event): none is expected under crashes alone. */
export async function deadLetters(db: Database): Promise<{ consumer: string; event_type: string; error: string }[]> {
  return db.query(`SELECT consumer, event_type, error FROM dead_letters ORDER BY event_position LIMIT 20`);
}
