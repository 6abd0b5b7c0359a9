import { Injectable, OnModuleInit } from '@nestjs/common';
import { sql } from 'kysely';
import { Metrics, TransactionRunner } from '@app/platform';

interface ConsumerStats {
  consumer: string;
  backlog: number;
  lagEvents: number;
  lagSeconds: number;
  deadLetters: number;
}

const SNAPSHOT_TTL_MS = 1_000;

/**
 * The engine's numbers, computed from the database when /metrics is scraped (one query shared
 * by the four gauges): per consumer, the events not yet handled that it can read (backlog), all
 * committed events after its checkpoint in commit order (lag; a checkpoint's position is no
 * bound on the positions still to come, docs/decisions/0010), the age of the oldest unhandled
 * event, and dead letters.
 */
@Injectable()
export class EventsMetrics implements OnModuleInit {
  private snapshot?: { at: number; stats: Promise<ConsumerStats[]> };

  constructor(
    private readonly metrics: Metrics,
    private readonly transactions: TransactionRunner,
  ) {}

  onModuleInit(): void {
    const gauge = (name: string, help: string, pick: (s: ConsumerStats) => number) => {
      // prom-client calls `collect` with the gauge as `this`; the stats come from this instance.
      const stats = () => this.stats();
      this.metrics.gauge(name, help, ['consumer'], async function () {
        this.reset();
        for (const s of await stats().catch(() => [])) this.set({ consumer: s.consumer }, pick(s));
      });
    };
    gauge('events_consumer_backlog', 'Committed events a consumer has not handled yet.', (s) => s.backlog);
    gauge(
      'projection_lag_events',
      'Committed events after the consumer checkpoint in commit order, including those an open transaction still holds back.',
      (s) => s.lagEvents,
    );
    gauge(
      'projection_lag_seconds',
      'Age of the oldest committed event the consumer has not handled (0 when caught up).',
      (s) => s.lagSeconds,
    );
    gauge('dead_letters', 'Events a consumer gave up on (see the admin dead-letter endpoints).', (s) => s.deadLetters);
  }

  stats(): Promise<ConsumerStats[]> {
    if (!this.snapshot || Date.now() - this.snapshot.at > SNAPSHOT_TTL_MS) {
      this.snapshot = { at: Date.now(), stats: this.query() };
    }
    return this.snapshot.stats;
  }

  private async query(): Promise<ConsumerStats[]> {
    // Raw SQL: the checkpoints' xid8 column is not in the generated types.
    const { rows } = await sql<{
      consumer: string;
      backlog: bigint;
      lag_events: bigint;
      lag_seconds: number | null;
      dead_letters: bigint;
    }>`
      SELECT c.consumer,
              (SELECT count(*) FROM events e WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position)
                 AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS backlog,
              (SELECT count(*) FROM events e WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position)) AS lag_events,
              (SELECT extract(epoch FROM now() - min(e.occurred_at))::float8 FROM events e
                WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position)) AS lag_seconds,
              (SELECT count(*) FROM dead_letters d WHERE d.consumer = c.consumer) AS dead_letters
         FROM consumer_checkpoints c`.execute(this.transactions.db);
    return rows.map((r) => ({
      consumer: r.consumer,
      backlog: Number(r.backlog),
      lagEvents: Number(r.lag_events),
      lagSeconds: Math.max(0, r.lag_seconds ?? 0),
      deadLetters: Number(r.dead_letters),
    }));
  }
}
