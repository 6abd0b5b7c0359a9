import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AppConfig } from '../../../platform/src/config/app-config';
import type { Metrics } from '../../../platform/src/metrics/metrics';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import { suiteDatabase } from '../../../../test/support/test-database';
import { EventsMetrics } from './events-metrics';

// Lag is counted in commit order: a transaction that took its id first but appended last stands
// behind the checkpoint's transaction, so the events still to handle can have smaller positions
// than the checkpoint's (docs/decisions/0010).
describe('events metrics', () => {
  const t = suiteDatabase(3);

  it('counts the events after the checkpoint in commit order, whatever their positions', async () => {
    const insert = (c: pg.PoolClient) =>
      c.query<{ tx: string; position: string }>(
        `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata) VALUES ($1, 'test', $2, 1, 'test.happened', '{}', '{}')
         RETURNING transaction_id::text AS tx, position`,
        [randomUUID(), randomUUID()],
      );
    const first = await t.pool.connect();
    const second = await t.pool.connect();
    try {
      await first.query(`BEGIN; SELECT pg_current_xact_id()`); // the smaller transaction id...
      await second.query('BEGIN');
      await insert(second); // ...the smaller position
      const [late] = (await insert(first)).rows;
      await first.query('COMMIT');
      await second.query('COMMIT');
      // The consumer handled the first transaction's event: the second's (a smaller position) is still to come.
      await t.pool.query(
        `INSERT INTO consumer_checkpoints (consumer, last_transaction_id, last_position) VALUES ('lagging', $1::xid8, $2::bigint)`,
        [late.tx, late.position],
      );
    } finally {
      first.release();
      second.release();
    }
    const stats = await new EventsMetrics(
      {} as Metrics,
      new TransactionRunner(t.pool, { database: { statementTimeoutMs: 30_000 } } as AppConfig),
    ).stats();
    expect(stats.find((s) => s.consumer === 'lagging')).toMatchObject({ lagEvents: 1 }); // backlog depends on the server-wide horizon: other suites' transactions may hold it
  });
});
