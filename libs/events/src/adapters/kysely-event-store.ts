import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DomainError } from '@app/shared-kernel';
import {
  childTraceparent,
  currentTraceparent,
  isUniqueViolation,
  requestContext,
  TransactionRunner,
} from '@app/platform';
import { formatToken } from '../consistency/consistency-token.js';
import { EventSignal } from '../engine/event-signal.js';
import type { NewEvent, StoredEvent } from '../event.js';
import { EventStore } from '../ports/event-store.js';

@Injectable()
/** The `events` log through Kysely: appends inside the command's transaction. */
export class KyselyEventStore extends EventStore {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly signal: EventSignal,
  ) {
    super();
  }

  async append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    if (!this.transactions.current()) throw new Error('EventStore.append must run inside a unit of work');
    const context = requestContext.current();
    const metadata = {
      actor: context?.actor,
      correlationId: context?.correlationId,
      causationId: context?.causationId ?? context?.requestId,
      // Always one: work outside any request or handler (a script) starts a trace of its own.
      traceparent: context?.traceparent ?? currentTraceparent() ?? childTraceparent(),
    };
    const ids = events.map(() => randomUUID());
    try {
      const meta = events.map((e) => JSON.stringify(e.metadata ? { ...metadata, ...e.metadata } : metadata));
      const rows = await this.transactions.db
        .with('appended', (db) =>
          db
            .insertInto('events')
            .values(
              events.map((e, i) => ({
                id: ids[i],
                aggregate_type: e.aggregateType,
                aggregate_id: e.aggregateId,
                aggregate_version: e.aggregateVersion,
                type: e.type,
                payload: JSON.stringify(e.payload),
                metadata: meta[i],
              })),
            )
            // transaction_id (xid8) is not in the generated types: schema.prisma declares it Unsupported.
            .returning(['id', 'position', 'occurred_at', sql<bigint>`transaction_id`.as('transaction_id')]),
        )
        .selectFrom('appended')
        // pg_notify wakes the listening workers at COMMIT (one per transaction: duplicates fold).
        .crossJoin(this.transactions.db.selectNoFrom(sql`pg_notify('events', '')`.as('notified')).as('wake'))
        .selectAll('appended')
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const last = rows.reduce((a, b) => (b.position > a.position ? b : a));
      // Committed with the command's outcome; the request's X-Consistency-Token after COMMIT.
      this.transactions.noteConsistencyToken(
        formatToken({ transactionId: last.transaction_id, position: last.position }),
      );
      this.transactions.afterCommit(() => this.signal.ring());
      return events.map((e, i) => {
        const row = byId.get(ids[i])!;
        return {
          ...e,
          id: ids[i],
          position: row.position,
          occurredAt: row.occurred_at,
          metadata: e.metadata ? { ...metadata, ...e.metadata } : metadata,
        };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError(
          'conflict',
          'concurrent-modification',
          'The resource was changed by another request; reload and retry.',
        );
      }
      throw err;
    }
  }
}
