import { type Selectable, sql } from 'kysely';
import type { Database, DB } from '@app/platform';
import type { StoredEvent } from '../event.js';

/** A point in the log's commit order: events are read by (transaction id, position). */
export interface LogPoint {
  transactionId: bigint;
  position: bigint;
}

export type LogEvent = StoredEvent & { transactionId: bigint };

/*
 * The engine's own SQL on the xid8 columns schema.prisma declares Unsupported (so the generated
 * types leave them out): `events.transaction_id` and `consumer_checkpoints.last_transaction_id`.
 * They come back as bigint (the driver's parser) and are selected uncast: an `x::text AS x` in
 * the select list would make a later `ORDER BY x` sort text, "10" before "9" (docs/decisions/0010).
 */

/** An events row with its transaction id. */
export type EventRow = Selectable<DB['events']> & { transaction_id: bigint };

/** The transaction id of the events row in scope (`events` or an alias). */
export const transactionIdOf = (table = 'events') =>
  sql<bigint>`${sql.ref(`${table}.transaction_id`)}`.as('transaction_id');

/** Only events whose transaction is older than every transaction still in flight. */
export const belowHorizon = sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
/** Events after `from` in commit order. */
export const afterPoint = (from: LogPoint) =>
  sql<boolean>`(transaction_id, position) > (${from.transactionId}::xid8, ${from.position}::bigint)`;

export function toLogEvent(row: EventRow): LogEvent {
  return {
    id: row.id,
    position: row.position,
    transactionId: row.transaction_id,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version,
    type: row.type,
    payload: row.payload,
    metadata: row.metadata ?? {},
    occurredAt: row.occurred_at,
  };
}

/**
 * The events after `from` in commit order, skipping none: only transactions older than every
 * transaction still in flight are read (`pg_snapshot_xmin`), so an event whose transaction
 * commits later can never land behind a checkpoint that has already passed it. A rolled-back
 * transaction leaves nothing behind and holds nothing up (docs/decisions/0010). Inside the
 * step's transaction, or outside any (a subscriber's prepare phase takes no transaction id).
 */
export async function readAfter(db: Database, from: LogPoint, limit: number): Promise<LogEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .select(transactionIdOf())
    .where(afterPoint(from))
    .where(belowHorizon)
    .orderBy(sql`transaction_id`)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map(toLogEvent);
}

/**
 * Whether any committed event follows `from`. Called when `readAfter` found nothing: such events
 * exist but sit above the horizon, held back by a transaction still in flight (possibly one that
 * appends nothing and so never wakes anybody when it ends).
 */
export async function eventsWaitAfter(db: Database, from: LogPoint): Promise<boolean> {
  return (await db.selectFrom('events').select('id').where(afterPoint(from)).limit(1).executeTakeFirst()) !== undefined;
}

const checkpoint = (db: Database, consumer: string) =>
  db
    .selectFrom('consumer_checkpoints')
    .select([sql<bigint>`last_transaction_id`.as('transactionId'), 'last_position as position'])
    .where('consumer', '=', consumer);

/** The consumer's checkpoint without locking it (START when it has none yet). */
export async function peekCheckpoint(db: Database, consumer: string): Promise<LogPoint> {
  return (await checkpoint(db, consumer).executeTakeFirst()) ?? START;
}

export const samePoint = (a: LogPoint, b: LogPoint) => a.transactionId === b.transactionId && a.position === b.position;

/**
 * Locks the consumer's checkpoint row for this transaction and returns it, or undefined when
 * another transaction holds it (a rebuild, or a second engine): the caller then skips a turn.
 */
export async function lockCheckpoint(db: Database, consumer: string, wait = false): Promise<LogPoint | undefined> {
  const select = () =>
    (wait
      ? checkpoint(db, consumer).forUpdate()
      : checkpoint(db, consumer).forUpdate().skipLocked()
    ).executeTakeFirst();
  let point = await select();
  if (!point) {
    // A new consumer has no row yet (or another transaction holds it: then the insert does nothing).
    const created = await db
      .insertInto('consumer_checkpoints')
      .values({ consumer })
      .onConflict((conflict) => conflict.column('consumer').doNothing())
      .executeTakeFirstOrThrow();
    if (created.numInsertedOrUpdatedRows || wait) point = await select();
  }
  return point;
}

export async function saveCheckpoint(db: Database, consumer: string, at: LogPoint): Promise<void> {
  await sql`UPDATE consumer_checkpoints SET last_transaction_id = ${at.transactionId}::xid8, last_position = ${at.position}, updated_at = now() WHERE consumer = ${consumer}`.execute(
    db,
  );
}

export const START: LogPoint = { transactionId: 0n, position: 0n };
