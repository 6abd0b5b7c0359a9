import { sql } from 'kysely';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { AppConfig } from '../../../platform/src/config/app-config';
import { migrateDatabase } from '../../../platform/src/database/migrations';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import { KyselyEventStore } from '../adapters/kysely-event-store';
import { comparePoints } from '../consistency/consistency-token';
import type { StoredEvent } from '../event';
import { IntegrationPublisher } from '../publishing/integration-publisher';
import { ConsumerRunner } from './consumer-runner';
import type { ConsumerSpec, StepResult } from './consumer-spec';
import type { LogPoint } from './event-log';
import { EventSignal } from './event-signal';
import type { EventsEngine } from './events-engine';
import { waitFor } from '../../../../test/support/free-port';
import { PrivatePostgres, privateServices } from '../../../../test/support/private-services';
import { propertySettings } from '../../../../test/support/property-seed';
import { testRedisUrl } from '../../../../test/support/services';

// A model-based test of the engine. Each run is a random program: several writers commit
// transactions concurrently (random commit delays, rollbacks, transactions that take an id and
// append nothing) while a projector, a subscriber with a prepare phase and the integration
// publisher are stepped, stopped, restarted with another batch size, or killed in the middle of a
// batch (the step's transaction aborted in-process, or its connection terminated with
// pg_terminate_backend; the runner is then replaced, as a new process would start). Runs happen
// on a private cluster whose counter crosses a power of ten in the first runs. After each run:
// the projector's rows are the fold of the committed events, applied exactly once and in
// aggregate order; the subscriber's effects happened once per event; no checkpoint ever moved
// backwards; the publisher emitted every committed event and nothing else (docs/decisions/0010).
const redisUrl = testRedisUrl(); // the shared Redis (a stream of the run's own); undefined only where TEST_REQUIRE_SERVICES allows it
const missing = [...privateServices.missing('postgres'), ...(redisUrl ? [] : ['redis'])];

const CONSUMERS = ['model_read', 'model_mailer', 'integration_publisher'] as const;
type ConsumerIndex = 0 | 1 | 2;
const BATCH_SIZES = [1, 2, 3, 5, 100];
const BOUNDARIES = [1_000_000n, 10_000_000n, 100_000_000n];

type Action =
  | {
      kind: 'write';
      writer: number;
      events: { aggregate: number; value: number }[];
      delayMs: number;
      rollback: boolean;
      takesXid: boolean;
    }
  | { kind: 'step'; consumer: ConsumerIndex; steps: number }
  | { kind: 'stepAll' }
  | { kind: 'stop'; consumer: ConsumerIndex }
  | { kind: 'restart'; consumer: ConsumerIndex; batchSize: number }
  | { kind: 'kill'; consumer: ConsumerIndex; how: 'abort' | 'terminate'; after: number; batchSize: number }
  | { kind: 'settle' };

interface Program {
  batchedProjector: boolean;
  actions: Action[];
}

const WRITERS = 4;
const consumerArb = fc.constantFrom<ConsumerIndex>(0, 1, 2);
const batchArb = fc.constantFrom(...BATCH_SIZES);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      writer: fc.nat({ max: WRITERS - 1 }),
      events: fc.array(fc.record({ aggregate: fc.nat({ max: 2 }), value: fc.integer({ min: 1, max: 1000 }) }), {
        maxLength: 4,
      }),
      delayMs: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
      rollback: fc.nat({ max: 4 }).map((n) => n === 0),
      takesXid: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      consumer: consumerArb,
      steps: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stepAll' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), consumer: consumerArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('restart' as const), consumer: consumerArb, batchSize: batchArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('kill' as const),
      consumer: consumerArb,
      how: fc.constantFrom<'abort' | 'terminate'>('abort', 'terminate'),
      after: fc.nat({ max: 4 }),
      batchSize: batchArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);
const programArb: fc.Arbitrary<Program> = fc.record({
  batchedProjector: fc.boolean(),
  actions: fc.array(actionArb, { minLength: 10, maxLength: 50, size: 'max' }),
});

class Killed extends Error {}
class RolledBack extends Error {}

const quiet = { warn: () => undefined, error: () => undefined };

(missing.length ? describe.skip : describe)(
  'events engine, model-based: random writers, consumers stopped, restarted and killed',
  () => {
    let cluster: PrivatePostgres;
    let redis: Redis;
    let runNumber = 0;
    beforeAll(async () => {
      cluster = await PrivatePostgres.start({ nextXid: BOUNDARIES[0] - 5_000n });
      await migrateDatabase(cluster.url());
      await cluster.query(
        `CREATE TABLE model_log (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, aggregate_id uuid NOT NULL, version int NOT NULL, value int NOT NULL)`,
      );
      await cluster.query(
        `CREATE TABLE model_totals (aggregate_id uuid PRIMARY KEY, version int NOT NULL, total int NOT NULL)`,
      );
      await cluster.query(`CREATE TABLE model_effects (event_id uuid NOT NULL)`);
      await cluster.query(`CREATE DATABASE model_template TEMPLATE postgres`);
      redis = new Redis(redisUrl!);
    }, 120_000);
    afterAll(async () => {
      redis?.disconnect();
      await cluster?.destroy();
    });

    async function runProgram(program: Program): Promise<void> {
      const run = runNumber++;
      // The first runs cross a power of ten of the transaction counter.
      if (run < BOUNDARIES.length && (await cluster.nextXid()) < BOUNDARIES[run] - 12n)
        await cluster.jumpXidTo(BOUNDARIES[run] - 12n);
      const database = `model_run_${run}`;
      await cluster.query(`CREATE DATABASE ${database} TEMPLATE model_template`);
      const url = cluster.url(database);
      const pool = new pg.Pool({ connectionString: url, max: 16 });
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      const admin = new pg.Client({ connectionString: url });
      admin.on('error', () => undefined);
      await admin.connect();
      const stream = `test.model.${process.pid}.${randomBytes(4).toString('hex')}`;
      const transactions = new TransactionRunner(pool, { database: { statementTimeoutMs: 30_000 } } as AppConfig);
      const store = new KyselyEventStore(transactions, new EventSignal());
      try {
        // ---- consumers ----------------------------------------------------------------------
        const kills: ({ how: 'abort' | 'terminate'; after: number; seen: number } | undefined)[] = [
          undefined,
          undefined,
          undefined,
        ];
        /** Called by a consumer's handler for each event it is about to handle: fires a planned kill. */
        const killPoint = async (consumer: ConsumerIndex, events = 1) => {
          const plan = kills[consumer];
          if (!plan) return;
          plan.seen += events;
          if (plan.seen <= plan.after) return;
          kills[consumer] = undefined;
          if (plan.how === 'abort') throw new Killed(`${CONSUMERS[consumer]} killed mid-batch`);
          const {
            rows: [{ pid }],
          } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(transactions.current()!);
          await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
        };
        const prepared = new Map<string, number>();
        const projector: ConsumerSpec = {
          name: CONSUMERS[0],
          kind: 'projector',
          eventTypes: ['model.happened'],
          handle: async (event) => {
            await killPoint(0);
            await project([event]);
          },
          handleBatch: program.batchedProjector
            ? async (events) => {
                await project(events);
                await killPoint(0, events.length);
              }
            : undefined,
        };
        async function project(events: StoredEvent[]): Promise<void> {
          const db = transactions.current()!;
          for (const e of events) {
            const { value } = e.payload as { value: number };
            await sql`INSERT INTO model_log (event_id, aggregate_id, version, value) VALUES (${e.id}::uuid, ${e.aggregateId}::uuid, ${e.aggregateVersion}, ${value})`.execute(
              db,
            );
            await sql`INSERT INTO model_totals VALUES (${e.aggregateId}::uuid, ${e.aggregateVersion}, ${value})
            ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, total = model_totals.total + EXCLUDED.total`.execute(
              db,
            );
          }
        }
        const subscriber: ConsumerSpec = {
          name: CONSUMERS[1],
          kind: 'subscriber',
          eventTypes: ['model.happened'],
          prepare: async (event) => {
            prepared.set(event.id, (prepared.get(event.id) ?? 0) + 1);
            return event.id;
          },
          handle: async (event, value) => {
            if (value !== event.id) throw new Error(`handle of ${event.id} got the prepared value of ${String(value)}`);
            await killPoint(1);
            await sql`INSERT INTO model_effects VALUES (${event.id}::uuid)`.execute(transactions.current()!);
          },
        };
        let publisherSpec: ConsumerSpec | undefined;
        const engine = { register: (spec: ConsumerSpec) => (publisherSpec = spec) } as unknown as EventsEngine;
        new IntegrationPublisher(engine, redis, { events: { stream } } as AppConfig).onModuleInit();
        const publisher: ConsumerSpec = {
          ...publisherSpec!,
          handle: async (event) => {
            await killPoint(2);
            await publisherSpec!.handle(event);
          },
          handleBatch: async (events) => {
            await publisherSpec!.handleBatch!(events);
            await killPoint(2, events.length); // after XADD, before the checkpoint commits: sent again
          },
        };
        const specs = [projector, subscriber, publisher];
        const runner = (c: ConsumerIndex, batchSize: number) =>
          new ConsumerRunner(specs[c], transactions, { batchSize, maxAttempts: 1_000_000, retryBaseMs: 1 }, quiet);
        const runners: (ConsumerRunner | undefined)[] = specs.map((_, c) => runner(c as ConsumerIndex, 100));

        // ---- checkpoints never move backwards ------------------------------------------------
        const lastSeen = new Map<string, LogPoint>();
        // One read at a time, so that each sees the database no earlier than the one before it.
        let checking = Promise.resolve();
        const checkCheckpoints = () => (checking = checking.then(readCheckpoints));
        const readCheckpoints = async () => {
          const { rows } = await sql<{ consumer: string; last_transaction_id: bigint; last_position: bigint }>`
          SELECT consumer, last_transaction_id, last_position FROM consumer_checkpoints`.execute(transactions.db);
          for (const r of rows) {
            const point = { transactionId: BigInt(r.last_transaction_id), position: BigInt(r.last_position) };
            const before = lastSeen.get(r.consumer);
            if (before && comparePoints(point, before) < 0)
              throw new Error(
                `checkpoint of ${r.consumer} moved backwards: ${before.transactionId}/${before.position} -> ${point.transactionId}/${point.position}`,
              );
            lastSeen.set(r.consumer, point);
          }
        };

        const step = async (c: ConsumerIndex) => {
          const r = runners[c];
          if (!r) return { processed: 0 } as StepResult;
          try {
            return await r.step();
          } catch (err) {
            // A terminated connection surfaces as a plain error of the step; anything else is a bug.
            if (/terminat|Connection/i.test((err as Error).message)) return { processed: 0 } as StepResult;
            throw err;
          }
        };

        // ---- writers ---------------------------------------------------------------------------
        const aggregates = Array.from({ length: WRITERS }, () => Array.from({ length: 3 }, () => randomUUID()));
        const versions = new Map<string, number>();
        const committed: StoredEvent[] = [];
        const rolledBack = new Set<string>();
        const busy: Promise<void>[] = Array.from({ length: WRITERS }, () => Promise.resolve());
        const write = (a: Extract<Action, { kind: 'write' }>) => {
          busy[a.writer] = busy[a.writer].then(async () => {
            const next = new Map<string, number>();
            let appended: StoredEvent[] = [];
            try {
              await transactions.run(async (db) => {
                if (a.takesXid) await sql`SELECT pg_current_xact_id()`.execute(db);
                const events = a.events.map(({ aggregate, value }) => {
                  const id = aggregates[a.writer][aggregate];
                  const version = (next.get(id) ?? versions.get(id) ?? 0) + 1;
                  next.set(id, version);
                  return {
                    type: 'model.happened',
                    aggregateType: 'model',
                    aggregateId: id,
                    aggregateVersion: version,
                    payload: { value },
                  };
                });
                appended = await store.append(events);
                if (a.delayMs) await sleep(a.delayMs);
                if (a.rollback) throw new RolledBack();
              });
            } catch (err) {
              if (!(err instanceof RolledBack)) throw err;
              for (const e of appended) rolledBack.add(e.id);
              return;
            }
            for (const [id, v] of next) versions.set(id, v);
            committed.push(...appended);
          });
        };
        const settle = () => Promise.all(busy);

        // ---- the program -------------------------------------------------------------------------
        for (const a of program.actions) {
          switch (a.kind) {
            case 'write':
              write(a);
              break;
            case 'step':
              for (let i = 0; i < a.steps; i++) await step(a.consumer);
              break;
            case 'stepAll':
              await Promise.all([0, 1, 2].map((c) => step(c as ConsumerIndex)));
              break;
            case 'stop':
              runners[a.consumer] = undefined;
              break;
            case 'restart':
              runners[a.consumer] = runner(a.consumer, a.batchSize);
              break;
            case 'kill':
              runners[a.consumer] ??= runner(a.consumer, a.batchSize);
              kills[a.consumer] = { how: a.how, after: a.after, seen: 0 };
              await step(a.consumer);
              kills[a.consumer] = undefined;
              runners[a.consumer] = runner(a.consumer, a.batchSize); // the process that replaces the killed one
              break;
            case 'settle':
              await settle();
              break;
          }
          await checkCheckpoints();
        }

        // ---- catch up: every writer done, every consumer started ----------------------------------
        await settle();
        for (const c of [0, 1, 2] as ConsumerIndex[]) runners[c] ??= runner(c, 100);
        await waitFor(
          async () => {
            // Each consumer steps while it passes events (checking the checkpoints after each step), then all must be idle.
            const idle = await Promise.all(
              ([0, 1, 2] as ConsumerIndex[]).map(async (c) => {
                for (;;) {
                  const r = await step(c);
                  await checkCheckpoints();
                  if (r.processed === 0) return r.waitMs === Infinity && !r.blocked;
                }
              }),
            );
            return idle.every(Boolean) ? true : undefined;
          },
          30_000,
          'the consumers to catch up',
        );

        // ---- invariants ----------------------------------------------------------------------------
        const ids = committed.map((e) => e.id).sort();
        // Checkpoints: all at the last event in commit order.
        const {
          rows: [head],
        } = await sql<{ transaction_id: bigint; position: bigint }>`
        SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1`.execute(
          transactions.db,
        );
        if (head)
          for (const name of CONSUMERS)
            expect([name, lastSeen.get(name)]).toEqual([
              name,
              { transactionId: BigInt(head.transaction_id), position: BigInt(head.position) },
            ]);
        // Projector: each committed event applied exactly once, in aggregate order; totals are the fold.
        const { rows: log } = await sql<{
          event_id: string;
          aggregate_id: string;
          version: number;
        }>`SELECT event_id, aggregate_id, version FROM model_log ORDER BY seq`.execute(transactions.db);
        expect(log.map((r) => r.event_id).sort()).toEqual(ids);
        const order = new Map<string, number>();
        for (const r of log) {
          expect([r.aggregate_id, r.version]).toEqual([r.aggregate_id, (order.get(r.aggregate_id) ?? 0) + 1]);
          order.set(r.aggregate_id, r.version);
        }
        const fold = new Map<string, { version: number; total: number }>();
        for (const e of committed) {
          const f = fold.get(e.aggregateId) ?? { version: 0, total: 0 };
          fold.set(e.aggregateId, {
            version: Math.max(f.version, e.aggregateVersion),
            total: f.total + (e.payload as { value: number }).value,
          });
        }
        const { rows: totals } = await sql<{
          aggregate_id: string;
          version: number;
          total: number;
        }>`SELECT aggregate_id, version, total FROM model_totals`.execute(transactions.db);
        expect(new Map(totals.map((t) => [t.aggregate_id, { version: t.version, total: t.total }]))).toEqual(fold);
        // Subscriber: effects deduplicated by the inbox (once each); prepared at least once each.
        const { rows: effects } = await sql<{ event_id: string }>`SELECT event_id FROM model_effects`.execute(
          transactions.db,
        );
        expect(effects.map((r) => r.event_id).sort()).toEqual(ids);
        for (const id of ids) expect(prepared.get(id) ?? 0).toBeGreaterThanOrEqual(1);
        // Publisher: every committed event on the stream (at least once), nothing rolled back, aggregate order kept.
        const entries = (await redis.xrange(stream, '-', '+')).map(
          ([, fields]) => JSON.parse(fields[1]) as { id: string; subject: string; aggregateversion: number },
        );
        expect([...new Set(entries.map((e) => e.id))].sort()).toEqual(ids);
        expect(entries.filter((e) => rolledBack.has(e.id))).toEqual([]);
        const firstSeen = new Map<string, number>();
        for (const e of entries) {
          const before = firstSeen.get(e.subject) ?? 0;
          if (e.aggregateversion > before) {
            expect([e.subject, e.aggregateversion]).toEqual([e.subject, before + 1]);
            firstSeen.set(e.subject, e.aggregateversion);
          }
        }
      } finally {
        await settleQuietly(pool, admin);
        await redis.del(stream);
        await cluster.query(`DROP DATABASE IF EXISTS model_run_${run} WITH (FORCE)`);
      }
    }

    it('keeps every invariant over random programs', async () => {
      const settings = propertySettings('events engine model', 8);
      await fc.assert(fc.asyncProperty(programArb, runProgram), {
        ...settings,
        endOnFailure: !process.env.PROPERTY_SHRINK,
        interruptAfterTimeLimit: 240_000,
      });
    }, 300_000);
  },
);

async function settleQuietly(pool: pg.Pool, admin: pg.Client): Promise<void> {
  await admin.end().catch(() => undefined);
  await pool.end().catch(() => undefined);
}
