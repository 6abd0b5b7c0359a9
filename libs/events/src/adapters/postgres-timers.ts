import { Injectable } from '@nestjs/common';
import { requestContext, TransactionRunner, type Tx } from '@app/platform';
import type { EventMetadata } from '../event.js';
import { type Timer, Timers } from '../ports/timers.js';
import { TimerSignal } from '../timers/timer-signal.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A key that exists is moved: new time and event, pending again whatever it was (fired, dropped).
const SCHEDULE = `INSERT INTO timers (key, due_at, event_type, aggregate_type, aggregate_id, payload, metadata)
  VALUES ($1, $2::timestamptz, $3, $4, $5::uuid, $6::jsonb, $7::jsonb)
  ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, event_type = excluded.event_type,
    aggregate_type = excluded.aggregate_type, aggregate_id = excluded.aggregate_id, payload = excluded.payload,
    metadata = excluded.metadata, state = 'pending', fired_at = NULL, late = false, event_id = NULL, updated_at = now()`;
const CANCEL = `DELETE FROM timers WHERE key = $1 AND state = 'pending'`;

/**
 * Timers as rows of `timers`, written in the caller's transaction; the scheduler (TimerScheduler)
 * fires them. The scheduling context's actor, correlation and causation are kept with the timer
 * and carried into the event it appends.
 */
@Injectable()
export class PostgresTimers extends Timers {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly signal: TimerSignal,
  ) {
    super();
  }

  async schedule(timer: Timer): Promise<void> {
    const tx = this.inTransaction('schedule');
    const { key, at, event } = timer;
    if (!key) throw new Error('Timers.schedule: the key is empty');
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error(`Timers.schedule(${key}): 'at' is not a valid Date`);
    if (!UUID.test(event.aggregateId)) throw new Error(`Timers.schedule(${key}): aggregateId '${event.aggregateId}' is not a UUID`);
    const context = requestContext.current();
    const metadata: EventMetadata = { actor: context?.actor, correlationId: context?.correlationId, causationId: context?.causationId ?? context?.requestId };
    await tx.execute(SCHEDULE, key, at.toISOString(), event.type, event.aggregateType, event.aggregateId, JSON.stringify(event.payload ?? null), JSON.stringify(metadata));
    // A scheduler in this process may sleep past `at`: it looks again once this commits.
    this.transactions.afterCommit(() => this.signal.ring());
  }

  async cancel(key: string): Promise<void> {
    await this.inTransaction('cancel').execute(CANCEL, key);
  }

  private inTransaction(method: string): Tx {
    const tx = this.transactions.current();
    if (!tx) throw new Error(`Timers.${method} must run inside a unit of work`);
    return tx;
  }
}
