import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { requestContext, TransactionRunner } from '@app/platform';
import type { EventMetadata } from '../event.js';
import { type Timer, Timers } from '../ports/timers.js';
import { TimerSignal } from '../timers/timer-signal.js';
import { isUuid } from '@app/shared-kernel';

/**
 * Timers as rows of `timers` through Kysely, written in the caller's transaction; the worker's
 * TimerScheduler fires them. The scheduling context's actor, correlation and causation are kept
 * with the timer and carried into the event it appends.
 */
@Injectable()
export class KyselyTimers extends Timers {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly signal: TimerSignal,
  ) {
    super();
  }

  async schedule(timer: Timer): Promise<void> {
    this.requireTransaction('schedule');
    const { key, at, event } = timer;
    if (!key) throw new Error('Timers.schedule: the key is empty');
    if (!(at instanceof Date) || Number.isNaN(at.getTime()))
      throw new Error(`Timers.schedule(${key}): 'at' is not a valid Date`);
    if (!isUuid(event.aggregateId))
      throw new Error(`Timers.schedule(${key}): aggregateId '${event.aggregateId}' is not a UUID`);
    const context = requestContext.current();
    const metadata: EventMetadata = {
      actor: context?.actor,
      correlationId: context?.correlationId,
      causationId: context?.causationId ?? context?.requestId,
    };
    await this.transactions.db
      .insertInto('timers')
      .values({
        key,
        due_at: at,
        event_type: event.type,
        aggregate_type: event.aggregateType,
        aggregate_id: event.aggregateId,
        payload: JSON.stringify(event.payload ?? null),
        metadata: JSON.stringify(metadata),
      })
      // A key that exists is moved: new time and event, pending again whatever it was (fired, dropped).
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => ({
          due_at: eb.ref('excluded.due_at'),
          event_type: eb.ref('excluded.event_type'),
          aggregate_type: eb.ref('excluded.aggregate_type'),
          aggregate_id: eb.ref('excluded.aggregate_id'),
          payload: eb.ref('excluded.payload'),
          metadata: eb.ref('excluded.metadata'),
          state: 'pending',
          fired_at: null,
          late: false,
          event_id: null,
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
    // A scheduler in this process may sleep past `at`: it looks again once this commits.
    this.transactions.afterCommit(() => this.signal.ring());
  }

  async cancel(key: string): Promise<void> {
    this.requireTransaction('cancel');
    await this.transactions.db.deleteFrom('timers').where('key', '=', key).where('state', '=', 'pending').execute();
  }

  private requireTransaction(method: string): void {
    if (!this.transactions.current()) throw new Error(`Timers.${method} must run inside a unit of work`);
  }
}
