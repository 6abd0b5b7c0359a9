import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import type { Database, TransactionRunner } from '@app/platform';
import type { ConsumerSpec } from './consumer-spec.js';
import { handleInContext, prepareInContext } from './event-context.js';
import { describeError, type Failing } from './event-failures.js';
import { type LogEvent, toLogEvent, transactionIdOf } from './event-log.js';
import { claimInbox } from './event-inbox.js';

type WarnAndError = Pick<Logger, 'warn' | 'error'>;

/** Moves `event` to the consumer's dead letters with its failed attempts (docs/decisions/0011). */
export async function recordDeadLetter(
  db: Database,
  consumer: string,
  event: LogEvent,
  failing: Failing,
  logger: WarnAndError,
): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      id: randomUUID(),
      consumer,
      event_id: event.id,
      event_position: event.position,
      event_type: event.type,
      error: failing.error,
      attempts: failing.attempts,
      first_failed_at: failing.firstFailedAt,
      last_failed_at: sql<Date>`now()`,
    })
    .onConflict((conflict) =>
      conflict.columns(['consumer', 'event_id']).doUpdateSet((eb) => ({
        error: eb.ref('excluded.error'),
        attempts: eb('dead_letters.attempts', '+', eb.ref('excluded.attempts')),
        last_failed_at: sql<Date>`now()`,
      })),
    )
    .execute();
  logger.error({ consumer, eventId: event.id, attempts: failing.attempts }, 'event moved to dead letters');
}

/**
 * Handles one dead letter an admin asked to retry (prepared outside the transaction, as in a
 * step). Success removes it; failure records the attempt and clears the request. False when
 * none was asked for or the retry failed.
 */
export async function retryDeadLetter(
  transactions: TransactionRunner,
  spec: ConsumerSpec,
  logger: WarnAndError,
): Promise<boolean> {
  const row = await transactions.db
    .selectFrom('dead_letters as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('e')
    .select([transactionIdOf('e'), 'd.id as dead_letter_id'])
    .where('d.consumer', '=', spec.name)
    .where('d.retry_requested_at', 'is not', null)
    .orderBy('d.event_position')
    .limit(1)
    .executeTakeFirst();
  if (!row) return false;
  const letter = row.dead_letter_id;
  const event = toLogEvent(row);
  try {
    const prepared = spec.prepare ? await prepareInContext(spec, event) : undefined;
    return await transactions.run(async (db) => {
      const still = await db
        .selectFrom('dead_letters')
        .select('id')
        .where('id', '=', letter)
        .where('retry_requested_at', 'is not', null)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!still) return false;
      if (spec.kind !== 'subscriber' || (await claimInbox(db, spec.name, [event.id])).size)
        await handleInContext(spec, event, prepared);
      await db.deleteFrom('dead_letters').where('id', '=', letter).execute();
      return true;
    });
  } catch (err) {
    await transactions.run((db) =>
      db
        .updateTable('dead_letters')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          error: describeError(err),
          last_failed_at: sql<Date>`now()`,
          retry_requested_at: null,
        }))
        .where('id', '=', letter)
        .execute(),
    );
    logger.warn(
      { consumer: spec.name, deadLetter: letter, err: { message: (err as Error).message } },
      'dead letter retry failed',
    );
    return false;
  }
}
