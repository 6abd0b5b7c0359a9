import { sql } from 'kysely';
import type { Database } from '@app/platform';

/** A subscriber's inbox (consumer, event id): the events it has handled, so a redelivery is skipped. */

/** The ids among `eventIds` the consumer's inbox holds already. */
export async function inboxedIds(db: Database, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // `= ANY(array)`, not `IN (...)`: one statement text (one prepared statement) for any number of ids.
  const rows = await db
    .selectFrom('event_inbox')
    .select('event_id')
    .where('consumer', '=', consumer)
    .where((eb) => eb('event_id', '=', eb.fn.any(eb.val(eventIds))))
    .execute();
  return new Set(rows.map((r) => r.event_id));
}

/** Inserts the inbox rows of `eventIds` in one statement; returns the ids that were not there yet. */
export async function claimInbox(db: Database, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // INSERT ... SELECT unnest(array): one statement text for any number of ids (the builder has no array casts).
  const rows = await db
    .insertInto('event_inbox')
    .columns(['consumer', 'event_id'])
    .expression(
      db.selectNoFrom([
        sql<string>`${consumer}`.as('consumer'),
        sql<string>`unnest(${eventIds}::uuid[])`.as('event_id'),
      ]),
    )
    .onConflict((conflict) => conflict.doNothing())
    .returning('event_id')
    .execute();
  return new Set(rows.map((r) => r.event_id));
}
