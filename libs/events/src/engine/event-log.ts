import type { Tx } from '@app/platform';
import type { StoredEvent } from '../event.js';

/** A point in the log's commit order: events are read by (transaction id, position). */
export interface LogPoint {
  transactionId: bigint;
  position: bigint;
}

export type LogEvent = StoredEvent & { transactionId: bigint };

/**
 * An events row as `eventColumns` selects it: `position` (int8) and `transaction_id` (xid8) come
 * back as bigint (SqlClient's parsers). The columns are selected uncast: an `x::text AS x` in the
 * select list would make a later `ORDER BY x` sort text, "10" before "9" (docs/decisions/0010).
 */
export interface EventRow {
  id: string;
  position: bigint;
  transaction_id: bigint;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  type: string;
  payload: unknown;
  metadata: StoredEvent['metadata'];
  occurred_at: Date;
}

export const eventColumns = (alias = '') => {
  const a = alias ? `${alias}.` : '';
  return `${a}id, ${a}position, ${a}transaction_id, ${a}aggregate_type, ${a}aggregate_id, ${a}aggregate_version, ${a}type, ${a}payload, ${a}metadata, ${a}occurred_at`;
};

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
 * transaction leaves nothing behind and holds nothing up (docs/decisions/0010). `db`: the
 * step's transaction, or the plain client (a subscriber's prepare phase takes no transaction id).
 */
export async function readAfter(db: Tx, from: LogPoint, limit: number): Promise<LogEvent[]> {
  const rows = await db.query<EventRow[]>(
    `SELECT ${eventColumns()} FROM events
      WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY transaction_id, position
      LIMIT $3`,
    from.transactionId,
    from.position,
    limit,
  );
  return rows.map(toLogEvent);
}

/**
 * Whether any committed event follows `from`. Called when `readAfter` found nothing: such events
 * exist but sit above the horizon, held back by a transaction still in flight (possibly one that
 * appends nothing and so never wakes anybody when it ends).
 */
export async function eventsWaitAfter(db: Tx, from: LogPoint): Promise<boolean> {
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint) LIMIT 1`,
    from.transactionId,
    from.position,
  );
  return rows.length > 0;
}

interface CheckpointRow {
  last_transaction_id: bigint;
  last_position: bigint;
}
const CHECKPOINT_COLUMNS = 'last_transaction_id, last_position';
const toPoint = (row: CheckpointRow): LogPoint => ({
  transactionId: row.last_transaction_id,
  position: row.last_position,
});

/** The consumer's checkpoint without locking it (START when it has none yet). */
export async function peekCheckpoint(db: Tx, consumer: string): Promise<LogPoint> {
  const rows = await db.query<CheckpointRow[]>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM consumer_checkpoints WHERE consumer = $1`,
    consumer,
  );
  return rows[0] ? toPoint(rows[0]) : START;
}

export const samePoint = (a: LogPoint, b: LogPoint) => a.transactionId === b.transactionId && a.position === b.position;

/**
 * Locks the consumer's checkpoint row for this transaction and returns it, or undefined when
 * another transaction holds it (a rebuild, or a second engine): the caller then skips a turn.
 */
export async function lockCheckpoint(tx: Tx, consumer: string, wait = false): Promise<LogPoint | undefined> {
  const select = () =>
    tx.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM consumer_checkpoints WHERE consumer = $1 FOR UPDATE ${wait ? '' : 'SKIP LOCKED'}`,
      consumer,
    );
  let rows = await select();
  if (!rows[0]) {
    // A new consumer has no row yet (or another transaction holds it: then the insert does nothing).
    const created = await tx.execute(
      `INSERT INTO consumer_checkpoints (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING`,
      consumer,
    );
    if (created || wait) rows = await select();
  }
  return rows[0] ? toPoint(rows[0]) : undefined;
}

export async function saveCheckpoint(tx: Tx, consumer: string, at: LogPoint): Promise<void> {
  await tx.execute(
    `UPDATE consumer_checkpoints SET last_transaction_id = $2::xid8, last_position = $3::bigint, updated_at = now() WHERE consumer = $1`,
    consumer,
    at.transactionId,
    at.position,
  );
}

export const START: LogPoint = { transactionId: 0n, position: 0n };
