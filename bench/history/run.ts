// npm run bench:history — GET /tasks/{id}/history's read, two ways, on the real PostgreSQL
// (DATABASE_URL's server, or the local one), for a task with DEPTHS events (default 100, 1000,
// 10000): the task_history projection's page (KyselyTaskHistoryReadModel, what the route runs) and
// the alternative it replaced, folding the task's events from the log on every read (its own
// events by (aggregate_id, aggregate_version), its enrichments by an expression index on
// payload->>'taskId', folded in memory up to the page). First and last page of LIMIT (20) entries,
// median and p95 of RUNS (200) reads each, the two taken in turn, in a scratch database it drops
// afterwards.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { type StoredEvent } from '@app/events';
import type { Selectable } from 'kysely';
import { type DB, loadConfig, migrateDatabase, TransactionRunner } from '@app/platform';
import { KyselyTaskHistoryReadModel } from '../../libs/tasks/src/adapters/kysely-task-history.read-model';
import { foldHistory, type TaskHistoryEntry, type TaskHistoryHead } from '../../libs/tasks/src/domain/task-history';
import { storedEventOf } from '../../test/support/event-row';
import { TaskHistoryProjector } from '../../libs/tasks/src/projections/task-history.projector';
import { runMain } from '../support/run-main';

const DEPTHS = (process.env.DEPTHS ?? '100,1000,10000').split(',').map(Number);
const LIMIT = Number(process.env.LIMIT ?? 20);
const RUNS = Number(process.env.RUNS ?? 200);
const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

type Stats = { median: number; p95: number };
/** Times two reads in turn (a, b, a, b, ...), so that the machine's load weighs on both alike. */
async function timedPair(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[Stats, Stats]> {
  const xs: number[][] = [[], []];
  for (let i = 0; i < RUNS + 20; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn();
      if (i >= 20) xs[k].push(performance.now() - start); // the first 20: warm-up (prepared statements, caches, JIT)
    }
  }
  return xs.map((x) => ({ median: percentile(x, 50), p95: percentile(x, 95) })) as [Stats, Stats];
}

/** The log's columns the fold reads (metadata and payload as stored). */
type LogRow = Pick<
  Selectable<DB['events']>,
  'id' | 'type' | 'aggregate_type' | 'aggregate_id' | 'aggregate_version' | 'occurred_at' | 'payload'
> & { metadata: { actor?: string } };

/** The replaced design: every read folds the task's events from the log, up to the end of the page. */
async function foldOnRead(pool: pg.Pool, taskId: string, afterSeq: number, limit: number): Promise<TaskHistoryEntry[]> {
  const { rows } = await pool.query<LogRow>({
    name: 'history_fold_on_read',
    text: `SELECT id, type, aggregate_type, aggregate_id, aggregate_version, occurred_at, metadata, payload FROM (
             SELECT *, transaction_id AS t, position AS p FROM events WHERE aggregate_id = $1::uuid
             UNION ALL
             SELECT *, transaction_id, position FROM events WHERE aggregate_type = 'task_enrichment' AND payload->>'taskId' = $1::text) e
           ORDER BY t, p`,
    values: [taskId],
  });
  let head: TaskHistoryHead | null = null;
  const page: TaskHistoryEntry[] = [];
  for (const r of rows) {
    const next = foldHistory(head, {
      id: r.id,
      type: r.type,
      aggregateType: r.aggregate_type,
      aggregateId: r.aggregate_id,
      aggregateVersion: r.aggregate_version,
      occurredAt: r.occurred_at,
      actor: r.metadata.actor ?? null,
      payload: r.payload,
    });
    if (!next) continue;
    head = next.head;
    if (next.entry.seq > afterSeq) page.push(next.entry);
    if (page.length > limit) break;
  }
  return page;
}

async function main(): Promise<void> {
  const name = `bench_history_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined); // DROP DATABASE ... WITH (FORCE) ends what is left of it
  try {
    await migrateDatabase(url.toString());
    await pool.query(
      `CREATE INDEX events_enrichment_task ON events ((payload->>'taskId')) WHERE aggregate_type = 'task_enrichment'`,
    );
    const runner = new TransactionRunner(
      pool,
      loadConfig({
        DATABASE_URL: url.toString(),
        JWT_SECRET: 'bench-history-not-a-secret-0123456789',
        LOG_LEVEL: 'silent',
      }),
    );
    const projector = new TaskHistoryProjector(runner);
    const read = new KyselyTaskHistoryReadModel(runner);
    const owner = randomUUID();
    process.stdout.write(`task history read, ${LIMIT} entries a page, ${RUNS} reads each (median / p95)\n`);
    process.stdout.write(`| events | page | projection | fold on read | ratio |\n| --- | --- | --- | --- | --- |\n`);
    for (const depth of DEPTHS) {
      const taskId = randomUUID();
      // the task's log: created, then depth - 1 updates (priority and title in turn), and 10 other tasks' events around it
      const priorities = ['low', 'medium', 'high', 'urgent'];
      await pool.query(
        `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
         SELECT gen_random_uuid(), 'task', $1::uuid, v, CASE WHEN v = 1 THEN 'task.created' ELSE 'task.updated' END,
                CASE WHEN v = 1 THEN jsonb_build_object('ownerId', $2::text, 'title', 't', 'description', '', 'priority', 'low', 'status', 'pending', 'dueDate', null, 'createdAt', now())
                     WHEN v % 2 = 0 THEN jsonb_build_object('ownerId', $2::text, 'changes', jsonb_build_object('priority', ($4::text[])[1 + v % 4]), 'updatedAt', now())
                     ELSE jsonb_build_object('ownerId', $2::text, 'changes', jsonb_build_object('title', 't' || v), 'updatedAt', now()) END,
                jsonb_build_object('actor', $2::text)
           FROM generate_series(1, $3::int) v`,
        [taskId, owner, depth, priorities],
      );
      await pool.query(
        `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
         SELECT gen_random_uuid(), 'task', gen_random_uuid(), 1, 'task.created', '{}'::jsonb, '{}'::jsonb FROM generate_series(1, $1::int)`,
        [depth * 10],
      );
      await pool.query('ANALYZE events');
      const { rows } = await pool.query<LogRow & { position: string }>(
        `SELECT id, type, aggregate_type, aggregate_id, aggregate_version, occurred_at, metadata, payload, position FROM events WHERE aggregate_id = $1::uuid ORDER BY aggregate_version`,
        [taskId],
      );
      const events: StoredEvent[] = rows.map(storedEventOf);
      for (let i = 0; i < events.length; i += 500)
        await runner.run(() => projector.handleBatch(events.slice(i, i + 500)));
      await pool.query('ANALYZE task_history');

      for (const [label, afterSeq] of [
        ['first', 0],
        ['last', Math.max(0, depth - LIMIT)],
      ] as const) {
        const a = await read.page({ taskId, ownerId: owner, afterSeq, limit: LIMIT });
        const b = await foldOnRead(pool, taskId, afterSeq, LIMIT);
        if (!isDeepStrictEqual(a, b)) throw new Error(`the two reads differ at depth ${depth}, ${label} page`);
        const [projection, fold] = await timedPair(
          () => read.page({ taskId, ownerId: owner, afterSeq, limit: LIMIT }),
          () => foldOnRead(pool, taskId, afterSeq, LIMIT),
        );
        const f = (x: Stats) => `${x.median.toFixed(2)} / ${x.p95.toFixed(2)} ms`;
        process.stdout.write(
          `| ${depth} | ${label} | ${f(projection)} | ${f(fold)} | ${(fold.median / projection.median).toFixed(1)}x |\n`,
        );
      }
    }
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

runMain(main);
