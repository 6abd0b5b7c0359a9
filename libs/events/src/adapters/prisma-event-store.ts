import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
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

interface AppendedRow {
  id: string;
  position: bigint;
  occurred_at: Date;
  transaction_id: bigint;
}

// pg_notify wakes the listening workers at COMMIT (one per transaction: duplicates fold).
const APPENDED = `RETURNING id, position, occurred_at, transaction_id)
   SELECT appended.* FROM appended CROSS JOIN (SELECT pg_notify('events', '')) AS wake`;
const APPEND_ONE = `WITH appended AS (
   INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
   VALUES ($1::uuid, $2, $3::uuid, $4::int, $5, $6::jsonb, $7::jsonb)
   ${APPENDED}`;
const APPEND_MANY = `WITH appended AS (
   INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
   SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[], $6::jsonb[], $7::jsonb[])
   ${APPENDED}`;

@Injectable()
export class PrismaEventStore extends EventStore {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly signal: EventSignal,
  ) {
    super();
  }

  async append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const tx = this.transactions.current();
    if (!tx) throw new Error('EventStore.append must run inside a unit of work');
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
      const meta = JSON.stringify(metadata);
      // One event (most commands): plain parameters; several: one array per column.
      const rows =
        events.length === 1
          ? await tx.query<AppendedRow[]>(
              APPEND_ONE,
              ids[0],
              events[0].aggregateType,
              events[0].aggregateId,
              events[0].aggregateVersion,
              events[0].type,
              JSON.stringify(events[0].payload),
              meta,
            )
          : await tx.query<AppendedRow[]>(
              APPEND_MANY,
              ids,
              events.map((e) => e.aggregateType),
              events.map((e) => e.aggregateId),
              events.map((e) => e.aggregateVersion),
              events.map((e) => e.type),
              events.map((e) => JSON.stringify(e.payload)),
              events.map(() => meta),
            );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const last = rows.reduce((a, b) => (b.position > a.position ? b : a));
      // Committed with the command's outcome; the request's X-Consistency-Token after COMMIT.
      this.transactions.noteConsistencyToken(
        formatToken({ transactionId: last.transaction_id, position: last.position }),
      );
      this.transactions.afterCommit(() => this.signal.ring());
      return events.map((e, i) => {
        const row = byId.get(ids[i])!;
        return { ...e, id: ids[i], position: row.position, occurredAt: row.occurred_at, metadata };
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
