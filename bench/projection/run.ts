// npm run bench:projection — the projection engine on the real PostgreSQL (DATABASE_URL, or the
// local test server): projection lag (commit -> visible in the read table) under a sustained
// feed, drain rate of a backlog against the feed rate, and rebuild rate. Baselines measured in
// the same run: one bare INSERT round trip (lag floor) and one INSERT ... SELECT copying the
// log into a table (rebuild ceiling). Run: `npm run bench:projection` (RATE, SECONDS, WRITERS,
// BACKLOG env vars adjust it).
import { sql } from 'kysely';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import {
  EventConsumer,
  EventsEngineModule,
  EventStore,
  ProjectionRebuilder,
  Projector,
  type StoredEvent,
} from '@app/events';
import { loadConfig, migrateDatabase, PlatformModule, TransactionRunner } from '@app/platform';
import { runMain } from '../support/run-main';

const RATE = Number(process.env.RATE ?? 500);
const SECONDS = Number(process.env.SECONDS ?? 10);
const WRITERS = Number(process.env.WRITERS ?? 16);
const BACKLOG = Number(process.env.BACKLOG ?? 20_000);
/** VIA_STORE=1: the writers go through TransactionRunner + EventStore in this process (Prisma), not a plain pg pool. */
const VIA_STORE = process.env.VIA_STORE === '1';
const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const committedAt = new Map<string, number>();
const visibleAt = new Map<string, number>();

@Injectable()
@EventConsumer()
class BenchProjector extends Projector {
  readonly name = 'bench_read';
  readonly eventTypes = ['bench.happened'];
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }
  async handle(event: StoredEvent): Promise<void> {
    await sql`INSERT INTO bench_read (event_id, position) VALUES (${event.id}::uuid, ${event.position}::bigint)`.execute(
      this.transactions.current()!,
    );
    this.transactions.afterCommit(() => visibleAt.set(event.id, performance.now()));
  }
  override async handleBatch(events: StoredEvent[]): Promise<void> {
    await sql`INSERT INTO bench_read (event_id, position) SELECT * FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.position.toString())}::bigint[])`.execute(
      this.transactions.current()!,
    );
    this.transactions.afterCommit(() => {
      const now = performance.now();
      for (const e of events) visibleAt.set(e.id, now);
    });
  }
  async reset(): Promise<void> {
    await sql`DELETE FROM bench_read`.execute(this.transactions.current()!);
  }
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dbName = `bench_projection_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  try {
    await migrateDatabase(url);
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`CREATE TABLE bench_read (event_id uuid PRIMARY KEY, position bigint NOT NULL)`);
    await setup.query(`CREATE TABLE bench_bare (id uuid PRIMARY KEY, n int)`);

    // Baseline 1: a bare INSERT round trip (the floor for "commit to visible").
    const bare: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await setup.query(`INSERT INTO bench_bare VALUES ($1, $2)`, [randomUUID(), i]);
      bare.push(performance.now() - t0);
    }

    const config = loadConfig({
      ...process.env,
      DATABASE_URL: url,
      LOG_LEVEL: 'error',
      MIGRATE_ON_START: 'false',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      DATABASE_POOL_MAX: '24',
    });
    @Module({ imports: [PlatformModule.forRoot(config), EventsEngineModule], providers: [BenchProjector] })
    class BenchModule {}
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    await app.init();
    const transactions = app.get(TransactionRunner);
    const store = app.get(EventStore);

    const writers = new pg.Pool({ connectionString: url, max: WRITERS });
    writers.on('error', () => undefined); // an idle writer's connection dropped at the end must not crash the report

    // While the feed runs: the oldest write transaction open elsewhere on the server (it holds
    // every consumer back, docs/decisions/0010), sampled every 100 ms.
    let sampling = true;
    let longestForeignMs = 0;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await setup.query<{ ms: number | null }>(
          `SELECT (extract(epoch FROM max(now() - xact_start)) * 1000)::float8 AS ms FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()`,
        );
        longestForeignMs = Math.max(longestForeignMs, rows[0].ms ?? 0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // 1. Lag under a sustained feed: WRITERS clients, RATE events/s in total, one event per command.
    const total = RATE * SECONDS;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (;;) {
          const i = next++;
          if (i >= total) return;
          const due = started + (i * 1000) / RATE;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (VIA_STORE) {
            const [event] = await transactions.run(() =>
              store.append([
                {
                  type: 'bench.happened',
                  aggregateType: 'bench',
                  aggregateId: randomUUID(),
                  aggregateVersion: 1,
                  payload: { i },
                },
              ]),
            );
            committedAt.set(event.id, performance.now());
          } else {
            // The event store's statement, auto-committed, from a client pool of its own (as another process would).
            const id = randomUUID();
            await writers.query(
              `WITH appended AS (INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
                 VALUES ($1, 'bench', $2, 1, 'bench.happened', $3, '{}') RETURNING id)
               SELECT appended.id FROM appended CROSS JOIN (SELECT pg_notify('events', '')) AS wake`,
              [id, randomUUID(), JSON.stringify({ i })],
            );
            committedAt.set(id, performance.now());
          }
        }
      }),
    );
    const fedFor = (performance.now() - started) / 1000;
    while (visibleAt.size < committedAt.size) await new Promise((r) => setTimeout(r, 10));
    const lags = [...committedAt].map(([id, at]) => Math.max(0, visibleAt.get(id)! - at));
    sampling = false;
    await sampler;

    // 2. Drain: a backlog written while the projector's checkpoint is locked (the engine pauses), then released.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM consumer_checkpoints WHERE consumer = 'bench_read' FOR UPDATE`);
    await setup.query(
      `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
       SELECT gen_random_uuid(), 'bench', gen_random_uuid(), 1, 'bench.happened', jsonb_build_object('i', g), '{}' FROM generate_series(1, $1) g`,
      [BACKLOG],
    );
    const before = visibleAt.size;
    const drainStart = performance.now();
    await holder.query('COMMIT');
    await holder.end();
    while (visibleAt.size < before + BACKLOG) await new Promise((r) => setTimeout(r, 5));
    const drainRate = BACKLOG / ((performance.now() - drainStart) / 1000);

    // 3. Rebuild the whole log, and baseline 2: the same rows copied by one INSERT ... SELECT.
    const logSize = Number((await setup.query<{ n: string }>(`SELECT count(*) AS n FROM events`)).rows[0].n);
    const r0 = performance.now();
    await app.get(ProjectionRebuilder).rebuild('bench_read');
    const rebuildRate = logSize / ((performance.now() - r0) / 1000);
    await setup.query(`CREATE TABLE bench_copy (event_id uuid PRIMARY KEY, position bigint NOT NULL)`);
    const c0 = performance.now();
    await setup.query(`INSERT INTO bench_copy SELECT id, position FROM events ORDER BY transaction_id, position`);
    const copyRate = logSize / ((performance.now() - c0) / 1000);

    await app.close();
    await writers.end();
    await setup.end();

    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    const b50 = percentile(bare, 50);
    const b99 = percentile(bare, 99);
    const lines = [
      `feed: ${total} events by ${WRITERS} ${VIA_STORE ? 'EventStore' : 'plain pg'} writers at ${RATE}/s target, ${(total / fedFor).toFixed(0)}/s achieved`,
      `projection lag (commit -> visible): p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...lags))}   (targets: < 50 ms, < 100 ms)`,
      `  longest write transaction open in other databases on the server meanwhile: ${ms(longestForeignMs)}`,
      `  baseline bare INSERT round trip: p50 ${ms(b50)}, p99 ${ms(b99)}   -> lag is ${(p50 / b50).toFixed(1)}x / ${(p99 / b99).toFixed(1)}x the bare round trip`,
      `drain: ${BACKLOG} backlog events at ${drainRate.toFixed(0)} events/s = ${(drainRate / RATE).toFixed(1)}x the feed rate   (target: >= 3x)`,
      `rebuild: ${logSize} events at ${rebuildRate.toFixed(0)} events/s   (target: >= 20000/s)`,
      `  baseline INSERT ... SELECT copy: ${copyRate.toFixed(0)} rows/s   -> rebuild is ${(rebuildRate / copyRate).toFixed(2)}x the bare copy`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

runMain(main);
