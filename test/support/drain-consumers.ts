import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import type { StoredEvent } from '../../libs/events/src/index';
import { storedEventOf, type RawEventRow } from './event-row';
import { TransactionRunner } from '../../libs/platform/src/transactions/transaction-runner';

interface Consumer {
  name: string;
  eventTypes: readonly string[];
  handle(e: StoredEvent): Promise<void>;
}

const drained = new WeakMap<object, bigint>();

/**
 * Drives consumers directly, without the events engine (no polling, leases, checkpoints or
 * retries), so a test sees what its consumers do and nothing else: feeds every event after the
 * last one seen to the given consumers, each in a transaction, in position order, until the log
 * is drained (consumers may append events, e.g. task.enriched). Reading by position, it suits
 * tests that do not write while it runs. Consumers are idempotent, so running this beside the
 * real engine is harmless.
 */
export async function drainConsumers(
  app: INestApplicationContext,
  databaseUrl: string,
  consumers: Consumer[],
): Promise<void> {
  const runner = app.get(TransactionRunner, { strict: false });
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  const seen = drained.get(app) ?? 0n;
  let after = seen;
  try {
    for (;;) {
      const { rows } = await client.query<RawEventRow>(
        'SELECT id, position, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata, occurred_at FROM events WHERE position > $1 ORDER BY position LIMIT 500',
        [after.toString()],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        const event = storedEventOf(r);
        for (const c of consumers) if (c.eventTypes.includes(event.type)) await runner.run(() => c.handle(event));
        after = event.position;
      }
    }
  } finally {
    drained.set(app, after);
    await client.end();
  }
}
