import type { Tx } from '@app/platform';

/** A subscriber's inbox (consumer, event id): the events it has handled, so a redelivery is skipped. */

/** The ids among `eventIds` the consumer's inbox holds already. */
export async function inboxedIds(db: Tx, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.query<{ event_id: string }[]>(
    `SELECT event_id FROM event_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])`,
    consumer,
    eventIds,
  );
  return new Set(rows.map((r) => r.event_id));
}

/** Inserts the inbox rows of `eventIds` in one statement; returns the ids that were not there yet. */
export async function claimInbox(tx: Tx, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await tx.query<{ event_id: string }[]>(
    `INSERT INTO event_inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    consumer,
    eventIds,
  );
  return new Set(rows.map((r) => r.event_id));
}
