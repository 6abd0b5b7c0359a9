import { NestFactory } from '@nestjs/core';
import { Module, type INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createApp } from '../../apps/api/src/create-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { EventsEngine } from '../../libs/events/src/engine/events-engine';
import { ProjectionRebuilder } from '../../libs/events/src/engine/projection-rebuilder';
import { loadConfig } from '../../libs/platform/src/config/app-config';
import { migrateDatabase } from '../../libs/platform/src/database/migrations';
import { PlatformModule } from '../../libs/platform/src/platform.module';
import { bearer } from '../support/auth';
import { waitFor } from '../support/free-port';
import { PrivatePostgres, privateServices } from '../support/private-services';
import { TEST_JWT_SECRET } from '../support/services';

// A backlog whose transactions cross a power of ten of the transaction counter (999,999 ->
// 1,000,000, and so on), written while no consumer runs, then consumed with batches of 1, 5 and
// the default. The read tables must equal the fold of the write tables (also after a rebuild of
// every projector) and every subscriber must have seen every event. Ordering the log by the text of the transaction id ("1000000" < "999999")
// made the consumers skip or re-apply the events across the boundary (docs/decisions/0010).
const missing = privateServices.missing('postgres');

const BOUNDARIES: { power: bigint; batchSize?: number }[] = [
  { power: 1_000_000n, batchSize: 1 },
  { power: 10_000_000n, batchSize: 5 },
  { power: 100_000_000n }, // the default batch
];
const USERS = 4;
const TASKS_PER_USER = 5;

(missing.length ? describe.skip : describe)('the engine across powers of ten of the transaction counter', () => {
  let cluster: PrivatePostgres;
  let url: string;
  let pool: pg.Pool;
  beforeAll(async () => {
    cluster = await PrivatePostgres.start();
    url = cluster.url();
    await migrateDatabase(url);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await cluster?.destroy();
  });

  const config = (env: Record<string, string> = {}) =>
    loadConfig({
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: url,
      MIGRATE_ON_START: 'false',
      RUN_WORKER_IN_API: 'false',
      BCRYPT_COST: '4',
      EVENTS_POLL_INTERVAL_MS: '100',
      ...env,
    });

  /** Writes through the API (no consumer runs in it): users sign up, create tasks, move some of them, concurrently. */
  async function writeBacklog(round: number): Promise<void> {
    const api: NestFastifyApplication = await createApp(config());
    await api.listen({ port: 0, host: '127.0.0.1' });
    const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    const call = async (path: string, method: string, body: object, authorization?: string) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { id: string };
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    try {
      await Promise.all(
        Array.from({ length: USERS }, async (_, u) => {
          const user = await call('/signup', 'POST', {
            name: `User ${round}.${u}`,
            email: `u${round}-${u}@example.test`,
            password: 'correct horse battery',
          });
          const auth = bearer(api, { id: user.id }).authorization;
          for (let n = 0; n < TASKS_PER_USER; n++) {
            const task = await call(
              '/tasks',
              'POST',
              { title: `Task ${n} of ${u}`, priority: n % 2 ? 'high' : 'low' },
              auth,
            );
            if (n % 3 === 1) await call(`/tasks/${task.id}`, 'PATCH', { status: 'in_progress' }, auth);
            if (n % 3 === 2) await call(`/tasks/${task.id}`, 'PATCH', { status: 'completed' }, auth);
          }
        }),
      );
    } finally {
      await api.close();
    }
  }

  async function runWorkerUntilCaughtUp(batchSize?: number): Promise<void> {
    @Module({
      imports: [
        PlatformModule.forRoot(config(batchSize ? { EVENTS_BATCH_SIZE: String(batchSize) } : {})),
        WorkerModule,
      ],
    })
    class BatchWorker {}
    const worker: INestApplicationContext = await NestFactory.createApplicationContext(BatchWorker, { logger: false });
    await worker.init();
    try {
      const consumers = worker
        .get(EventsEngine)
        .consumers()
        .map((c) => c.name);
      // Caught up: every consumer has a checkpoint and no event follows it in commit order (twice
      // in a row, so that events a subscriber appends on the way are counted too).
      let quiet = 0;
      await waitFor(
        async () => {
          const { rows } = await pool.query<{ consumer: string; behind: boolean }>(
            `SELECT c.consumer, EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position)) AS behind
             FROM consumer_checkpoints c WHERE c.consumer = ANY($1::text[])`,
            [consumers],
          );
          quiet = rows.length === consumers.length && rows.every((r) => !r.behind) ? quiet + 1 : 0;
          return quiet >= 2 ? true : undefined;
        },
        60_000,
        `the consumers to catch up (batch ${batchSize ?? 'default'})`,
      );
      await expectReadTablesAreTheFold(worker);
      // A rebuild replays the whole log (every boundary crossed so far) in one batch, and leaves
      // each projector's checkpoint at the head of the log in commit order.
      const rebuilder = worker.get(ProjectionRebuilder);
      for (const name of rebuilder.projectorNames()) await rebuilder.rebuild(name);
      await expectReadTablesAreTheFold(worker);
      const { rows } = await pool.query<{ consumer: string; at_head: boolean }>(
        `SELECT c.consumer, (c.last_transaction_id, c.last_position) = (head.transaction_id, head.position) AS at_head
           FROM consumer_checkpoints c, (SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1) head
          WHERE c.consumer = ANY($1::text[])`,
        [rebuilder.projectorNames()],
      );
      expect(rows.filter((r) => !r.at_head)).toEqual([]);
    } finally {
      await worker.close();
    }
  }

  async function expectReadTablesAreTheFold(worker: INestApplicationContext): Promise<void> {
    const q = async (sql: string) => (await pool.query(sql)).rows;
    expect(
      await q(
        `SELECT id, owner_id, title, description, priority, status, due_date, version FROM tasks_read ORDER BY id`,
      ),
    ).toEqual(
      await q(`SELECT id, owner_id, title, description, priority, status, due_date, version FROM tasks ORDER BY id`),
    );
    expect(
      await q(
        `SELECT id, name, email, display_name, tasks_pending, tasks_in_progress, tasks_completed, tasks_cancelled FROM users_read ORDER BY id`,
      ),
    ).toEqual(
      await q(`SELECT u.id, u.name, u.email, u.display_name,
                      count(*) FILTER (WHERE t.status = 'pending')::int AS tasks_pending,
                      count(*) FILTER (WHERE t.status = 'in_progress')::int AS tasks_in_progress,
                      count(*) FILTER (WHERE t.status = 'completed')::int AS tasks_completed,
                      count(*) FILTER (WHERE t.status = 'cancelled')::int AS tasks_cancelled
                 FROM users u LEFT JOIN tasks t ON t.owner_id = u.id GROUP BY u.id ORDER BY u.id`),
    );
    // Every subscriber has every event of its types in its inbox.
    for (const spec of worker
      .get(EventsEngine)
      .consumers()
      .filter((c) => c.kind === 'subscriber')) {
      const { rows } = await pool.query<{ missed: number }>(
        `SELECT count(*)::int AS missed FROM events e
          WHERE ($2::text[] @> ARRAY['*'] OR e.type = ANY($2::text[]))
            AND NOT EXISTS (SELECT 1 FROM event_inbox i WHERE i.consumer = $1 AND i.event_id = e.id)`,
        [spec.name, spec.eventTypes],
      );
      expect([spec.name, rows[0].missed]).toEqual([spec.name, 0]);
    }
  }

  it.each(BOUNDARIES.map((b, i) => [b.power.toLocaleString('en'), b.batchSize ?? 'default', i] as const))(
    'a backlog crossing xid %s, consumed in batches of %s, lands in the read tables exactly once',
    async (_crossing, _batch, round) => {
      const { power, batchSize } = BOUNDARIES[round];
      // About half the backlog's transactions before the boundary, half after.
      const transactions = USERS * (1 + TASKS_PER_USER + 4);
      await pool?.end();
      await cluster.jumpXidTo(power - BigInt(Math.floor(transactions / 2)));
      pool = new pg.Pool({ connectionString: url, max: 3 });
      const before = await cluster.nextXid();
      await writeBacklog(round);
      const { rows } = await pool.query<{ lo: string; hi: string }>(
        `SELECT min(transaction_id)::text AS lo, max(transaction_id)::text AS hi FROM events WHERE transaction_id >= $1::xid8`,
        [before.toString()],
      );
      expect(BigInt(rows[0].lo)).toBeLessThan(power);
      expect(BigInt(rows[0].hi)).toBeGreaterThanOrEqual(power);
      await runWorkerUntilCaughtUp(batchSize);
    },
    180_000,
  );
});
