import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type DynamicModule, type INestApplicationContext, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import {
  EventConsumer,
  EventsEngineModule,
  EventStore,
  Projector,
  Subscriber,
  type StoredEvent,
} from '../../libs/events/src/index';
import { loadConfig } from '../../libs/platform/src/config/app-config';
import { EmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';
import { migrateDatabase } from '../../libs/platform/src/database/migrations';
import { PlatformModule } from '../../libs/platform/src/platform.module';
import { TransactionRunner } from '../../libs/platform/src/transactions/transaction-runner';
import { belowHorizon } from '../../libs/events/src/engine/event-log';
import type { Database } from '../../libs/platform/src/database/database';
import { waitFor } from './free-port';
import { realPostgresUrl, TEST_JWT_SECRET } from './services';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The read table of the test projector: one row per projected event, no key, so a double apply shows. */
export const PROJECTION_TABLE = `CREATE TABLE IF NOT EXISTS test_projection (event_id uuid NOT NULL, position bigint NOT NULL, aggregate_id uuid NOT NULL, version int NOT NULL)`;

/** Knobs the tests turn: which events fail and how. */
export const behaviour = {
  /** Event ids, or payload tags (`payload.tag`), that throw once, then succeed. */
  failOnce: new Set<string>(),
  /** Payload marker that always throws (a test may 'fix the bug' by changing it). */
  poison: 'poison',
  subscriberCalls: new Map<string, number>(),
  /** TestSubscriber.prepare calls per event id. */
  prepareCalls: new Map<string, number>(),
  /** Times TestSubscriber.prepare found a transaction open (it must run outside). */
  prepareInTransaction: 0,
};

/** An event's `payload.tag`: lets a test mark an event in `behaviour.failOnce` before it is written. */
const tagOf = (event: StoredEvent) => (event.payload as { tag?: string }).tag ?? '';
const count = (calls: Map<string, number>, id: string) => calls.set(id, (calls.get(id) ?? 0) + 1);

@Injectable()
@EventConsumer()
export class TestProjector extends Projector {
  readonly name = 'test_read';
  readonly eventTypes = ['test.happened'];
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }
  async handle(event: StoredEvent): Promise<void> {
    await sql`INSERT INTO test_projection VALUES (${event.id}::uuid, ${event.position}::bigint, ${event.aggregateId}::uuid, ${event.aggregateVersion})`.execute(
      this.transactions.current()!,
    );
    if (behaviour.failOnce.delete(event.id) || behaviour.failOnce.delete(tagOf(event)))
      throw new Error('transient failure');
    if ((event.payload as { kind?: string }).kind === behaviour.poison) throw new Error('poison event');
  }
  /** One statement for the whole batch; a failing event fails the batch (the engine then goes one by one). */
  override async handleBatch(events: StoredEvent[]): Promise<void> {
    const column = <T>(f: (e: StoredEvent) => T) => events.map(f);
    await sql`INSERT INTO test_projection SELECT * FROM unnest(${column((e) => e.id)}::uuid[], ${column((e) => e.position.toString())}::bigint[], ${column((e) => e.aggregateId)}::uuid[], ${column((e) => e.aggregateVersion)}::int[])`.execute(
      this.transactions.current()!,
    );
    for (const event of events) {
      if (
        behaviour.failOnce.has(event.id) ||
        behaviour.failOnce.has(tagOf(event)) ||
        (event.payload as { kind?: string }).kind === behaviour.poison
      )
        throw new Error('batch failed');
    }
  }
  async reset(): Promise<void> {
    await sql`DELETE FROM test_projection`.execute(this.transactions.current()!);
  }
}

@Injectable()
@EventConsumer()
export class TestSubscriber extends Subscriber<string> {
  readonly name = 'test_mailer';
  readonly eventTypes = ['test.happened'];
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }
  /** Payload kind 'prepare-poison' makes it throw. */
  override async prepare(event: StoredEvent): Promise<string> {
    count(behaviour.prepareCalls, event.id);
    if (this.transactions.current()) behaviour.prepareInTransaction++;
    if ((event.payload as { kind?: string }).kind === 'prepare-poison') throw new Error('prepare failed');
    return `prepared:${event.id}`;
  }
  /** Payload kind 'poison' (while behaviour.poison says so) or 'handle-poison' makes it throw. */
  async handle(event: StoredEvent, prepared: string): Promise<void> {
    count(behaviour.subscriberCalls, event.id);
    if (prepared !== `prepared:${event.id}`) throw new Error(`handle got ${prepared}`);
    const kind = (event.payload as { kind?: string }).kind;
    if (kind === behaviour.poison || kind === 'handle-poison') throw new Error('poison event');
  }
}

@Module({})
export class TestConsumersModule {
  static with(providers: Provider[] = [TestProjector, TestSubscriber]): DynamicModule {
    return { module: TestConsumersModule, providers };
  }
}

export interface EngineContext {
  app: INestApplicationContext;
  url: string;
  kind: 'postgres' | 'embedded';
  pool: pg.Pool;
  /** Appends `count` events, one aggregate each, in one transaction. */
  write(count?: number, payload?: object): Promise<StoredEvent[]>;
  projected(): Promise<{ total: number; distinct: number }>;
  close(): Promise<void>;
}

/** A Nest context with the platform, the engine and the test consumers on a database of its own. */
export async function startEngineContext(
  kind: 'postgres' | 'embedded',
  env: Record<string, string> = {},
  consumers?: Provider[],
): Promise<EngineContext> {
  let db: TestDatabase;
  if (kind === 'embedded') {
    const embedded = await EmbeddedPostgres.start(undefined);
    await migrateDatabase(embedded.url);
    db = { url: embedded.url, kind: 'embedded', drop: () => embedded.stop() };
  } else {
    db = await createTestDatabase();
  }
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(PROJECTION_TABLE);
  await admin.end();
  // Embedded: the configuration of single-instance mode (no DATABASE_URL: one pooled connection,
  // in-process leases and wake-ups), pointed at the embedded server, as the API does.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    ...(kind === 'embedded' ? {} : { DATABASE_URL: db.url }),
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_MAX: '30',
    EVENTS_POLL_INTERVAL_MS: '200',
    EVENTS_LEASE_RETRY_MS: '200',
    ...env,
  }).withDatabaseUrl(db.url);
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config), EventsEngineModule, TestConsumersModule.with(consumers)],
  }).compile();
  const app = await moduleRef.init();
  const pool = app.get(pg.Pool);
  const transactions = app.get(TransactionRunner);
  const store = app.get(EventStore);
  return {
    app,
    url: db.url,
    kind: db.kind,
    pool,
    write: (count = 1, payload = {}) =>
      transactions.run(() =>
        store.append(
          Array.from({ length: count }, () => ({
            type: 'test.happened',
            aggregateType: 'test',
            aggregateId: randomUUID(),
            aggregateVersion: 1,
            payload,
          })),
        ),
      ),
    projected: async () => {
      const { rows } = await pool.query<{ total: string; distinct: string }>(
        `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM test_projection`,
      );
      return { total: Number(rows[0].total), distinct: Number(rows[0].distinct) };
    },
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/**
 * Registers beforeAll/afterAll for a spec of one engine part: a database of its own (the real
 * PostgreSQL when available, else the embedded one) and the engine with no consumers running.
 * The returned object is filled in once beforeAll has run.
 */
export function useEngineWithoutConsumers(): { context: EngineContext; transactions: TransactionRunner } {
  const parts = {} as { context: EngineContext; transactions: TransactionRunner };
  beforeAll(async () => {
    parts.context = await startEngineContext(realPostgresUrl() ? 'postgres' : 'embedded', {}, []);
    parts.transactions = parts.context.app.get(TransactionRunner);
  }, 60_000);
  afterAll(async () => {
    await parts.context?.close();
  });
  return parts;
}

/**
 * Waits until `events` are readable by consumers: below the horizon, which any transaction on the
 * server that began before them (another test file's, say) holds back until it ends.
 */
export async function untilReadable(db: Database, events: StoredEvent[]): Promise<void> {
  const last = events[events.length - 1].id;
  await waitFor(
    async () => {
      const { rows } = await sql<{
        readable: boolean;
      }>`SELECT ${belowHorizon} AS readable FROM events WHERE id = ${last}::uuid`.execute(db);
      return rows[0]?.readable || undefined;
    },
    60_000,
    'the events to be readable',
  );
}
