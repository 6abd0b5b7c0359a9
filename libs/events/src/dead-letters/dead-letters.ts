import { Injectable } from '@nestjs/common';
import { type Selectable, sql } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
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
 * The admin's view of dead letters. A retry is a request: the worker that runs the consumer
 * handles the event again once caught up (success removes the letter, failure counts an
 * attempt), so it works whichever process serves the admin call.
 */
@Injectable()
export class DeadLetters {
  constructor(private readonly transactions: TransactionRunner) {}

  async list(query: {
    consumer?: string;
    cursor?: string;
    limit: number;
  }): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    let select = this.transactions.db.selectFrom('dead_letters').selectAll();
    if (query.consumer !== undefined) select = select.where('consumer', '=', query.consumer);
    if (cursor)
      select = select.where((eb) => eb(eb.refTuple('event_position', 'id'), '>', eb.tuple(cursor.position, cursor.id)));
    const rows = await select
      .orderBy('event_position')
      .orderBy('id')
      .limit(query.limit + 1)
      .execute();
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
    const row = await this.transactions.db
      .updateTable('dead_letters')
      .set({ retry_requested_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound();
    return view(row);
  }

  async discard(id: string): Promise<void> {
    const { numDeletedRows } = await this.transactions.db
      .deleteFrom('dead_letters')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    if (!numDeletedRows) throw notFound();
  }
}

function notFound(): DomainError {
  return new DomainError('not_found', 'dead-letter-not-found', 'No dead letter has this id.');
}

function decodeCursor(cursor: string): { position: bigint; id: string } {
  const m = /^(\d{1,19}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new DomainError('invalid', 'invalid-cursor', 'The cursor is not one this API returned.', {
      errors: [{ field: 'cursor', message: 'cursor is malformed' }],
    });
  return { position: BigInt(m[1]), id: m[2] };
}

function view(r: Selectable<DB['dead_letters']>): DeadLetterView {
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
