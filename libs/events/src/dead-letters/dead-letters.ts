import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { TransactionRunner } from '@app/platform';
import { DomainError } from '@app/shared-kernel';

export interface DeadLetterView {
  id: string;
  consumer: string;
  eventId: string;
  eventPosition: string;
  eventType: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  retryRequestedAt: string | null;
}

/**
 * `event_position` is int8: a decimal string from the pool, a bigint through the transaction's
 * SqlClient (the retry). Selected uncast, it sorts as a number either way.
 */
interface Row {
  id: string;
  consumer: string;
  event_id: string;
  event_position: string | bigint;
  event_type: string;
  error: string;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  retry_requested_at: Date | null;
}

const COLUMNS = `id, consumer, event_id, event_position, event_type, error, attempts, first_failed_at, last_failed_at, retry_requested_at`;

/**
 * The admin's view of dead letters. A retry is a request: the worker that runs the consumer
 * handles the event again once caught up (success removes the letter, failure counts an
 * attempt), so it works whichever process serves the admin call.
 */
@Injectable()
export class DeadLetters {
  constructor(
    @Inject(pg.Pool) private readonly pool: pg.Pool,
    private readonly transactions: TransactionRunner,
  ) {}

  async list(query: {
    consumer?: string;
    cursor?: string;
    limit: number;
  }): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM dead_letters
        WHERE ($1::text IS NULL OR consumer = $1) AND ($2::bigint IS NULL OR (event_position, id) > ($2::bigint, $3::uuid))
        ORDER BY event_position, id LIMIT $4`,
      [query.consumer ?? null, cursor?.position ?? null, cursor?.id ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(view);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit ? Buffer.from(`${last.eventPosition}:${last.id}`).toString('base64url') : null,
    };
  }

  /** Inside the unit of work of RetryDeadLetterHandler. */
  async requestRetry(id: string): Promise<DeadLetterView> {
    const rows = await this.transactions.client.query<Row[]>(
      `UPDATE dead_letters SET retry_requested_at = now() WHERE id = $1::uuid RETURNING ${COLUMNS}`,
      id,
    );
    if (!rows[0]) throw notFound();
    return view(rows[0]);
  }

  async discard(id: string): Promise<void> {
    const { rowCount } = await this.pool.query(`DELETE FROM dead_letters WHERE id = $1::uuid`, [id]);
    if (!rowCount) throw notFound();
  }
}

function notFound(): DomainError {
  return new DomainError('not_found', 'dead-letter-not-found', 'No dead letter has this id.');
}

function decodeCursor(cursor: string): { position: string; id: string } {
  const m = /^(\d{1,19}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new DomainError('invalid', 'invalid-cursor', 'The cursor is not one this API returned.', {
      errors: [{ field: 'cursor', message: 'cursor is malformed' }],
    });
  return { position: m[1], id: m[2] };
}

function view(r: Row): DeadLetterView {
  return {
    id: r.id,
    consumer: r.consumer,
    eventId: r.event_id,
    eventPosition: String(r.event_position),
    eventType: r.event_type,
    error: r.error,
    attempts: r.attempts,
    firstFailedAt: r.first_failed_at.toISOString(),
    lastFailedAt: r.last_failed_at.toISOString(),
    retryRequestedAt: r.retry_requested_at?.toISOString() ?? null,
  };
}
