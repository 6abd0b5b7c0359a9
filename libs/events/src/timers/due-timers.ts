import { sql } from 'kysely';
import type { TransactionRunner } from '@app/platform';
import type { EventMetadata, NewEvent, TimerFiring } from '../event.js';
import type { EventStore } from '../ports/event-store.js';
import { decideFiring, type FiringPolicy, nextVersions } from './timer-firing.js';

/** What one batch did, once committed. */
export interface BatchOutcome {
  fired: { key: string; delayMs: number; late: boolean }[];
  dropped: { key: string; delayMs: number }[];
  /** The batch took `limit` timers: more may be due. */
  full: boolean;
}

// Two batches firing for one aggregate take its next version in turn (locks taken in key order: no deadlock).
const AGGREGATE_LOCK_NAMESPACE = 0x544d5253; // 'TMRS'

/**
 * The due timers: fires a batch in one transaction (lock the due rows, append each one's event
 * at its aggregate's next version through the event store, mark it fired; or mark it dropped),
 * and tells when the next one is due.
 */
export class DueTimers {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventStore,
    private readonly policy: FiringPolicy,
  ) {}

  /** One transaction: the timers due at `now` (up to `limit`) that no other batch holds. */
  fire(now: Date, limit: number): Promise<BatchOutcome> {
    return this.transactions.run(() => this.fireInTransaction(now, limit));
  }

  /**
   * When the next pending timer after `now` is due. Timers already due that the last batch did
   * not take are held by another scheduler's batch (which fires them) or were scheduled after
   * it read (which rang this process's signal, or is seen at the next poll).
   */
  async nextDueAfter(now: Date): Promise<Date | undefined> {
    const row = await this.transactions.db
      .selectFrom('timers')
      .select((eb) => eb.fn.min('due_at').as('next'))
      .where('state', '=', 'pending')
      .where('due_at', '>', now)
      .executeTakeFirst();
    return row?.next ? new Date(row.next) : undefined;
  }

  private async fireInTransaction(now: Date, limit: number): Promise<BatchOutcome> {
    const db = this.transactions.db;
    // Row locks, skipping those another scheduler's batch (or a transaction moving a timer)
    // holds: each due timer is in one batch at a time, and leaves `pending` when that one commits.
    const rows = await db
      .selectFrom('timers')
      .select(['key', 'due_at', 'event_type', 'aggregate_type', 'aggregate_id', 'payload', 'metadata'])
      .where('state', '=', 'pending')
      .where('due_at', '<=', now)
      .orderBy('due_at')
      .orderBy('key')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const outcome: BatchOutcome = { fired: [], dropped: [], full: rows.length === limit };
    if (rows.length === 0) return outcome;
    const firing: { row: (typeof rows)[number]; timer: TimerFiring }[] = [];
    for (const row of rows) {
      const decision = decideFiring(row.due_at, now, this.policy);
      if (decision.kind === 'drop') outcome.dropped.push({ key: row.key, delayMs: decision.delayMs });
      else
        firing.push({
          row,
          timer: {
            key: row.key,
            dueAt: row.due_at.toISOString(),
            firedAt: now.toISOString(),
            delayMs: decision.delayMs,
            late: decision.late,
          },
        });
    }
    if (outcome.dropped.length > 0) {
      const keys = outcome.dropped.map((d) => d.key);
      await db
        .updateTable('timers')
        .set({ state: 'dropped', late: true, updated_at: sql<Date>`now()` })
        .where(sql<boolean>`key = any(${keys}::text[])`)
        .execute();
    }
    if (firing.length === 0) return outcome;

    const aggregates = firing.map((f) => f.row.aggregate_id);
    await sql`SELECT pg_advisory_xact_lock(${AGGREGATE_LOCK_NAMESPACE}, k) FROM (SELECT DISTINCT hashtext(a) AS k FROM unnest(${aggregates}::text[]) AS a ORDER BY 1) AS sorted`.execute(
      db,
    );
    const latest = await db
      .selectFrom('events')
      .select((eb) => ['aggregate_id', eb.fn.max('aggregate_version').as('version')])
      .where(sql<boolean>`aggregate_id = any(${[...new Set(aggregates)]}::uuid[])`)
      .groupBy('aggregate_id')
      .execute();
    const versions = nextVersions(aggregates, new Map(latest.map((r) => [r.aggregate_id, r.version])));
    const events: NewEvent[] = firing.map(({ row, timer }, i) => ({
      type: row.event_type,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      aggregateVersion: versions[i],
      payload: row.payload,
      metadata: { ...(row.metadata as EventMetadata), timer },
    }));
    const stored = await this.events.append(events);
    // One statement for the batch: each timer's own late flag and event id.
    await sql`UPDATE timers AS t SET state = 'fired', fired_at = ${now}, late = f.late, event_id = f.event_id, updated_at = now()
      FROM unnest(${firing.map((f) => f.row.key)}::text[], ${firing.map((f) => f.timer.late)}::boolean[], ${stored.map((e) => e.id)}::uuid[]) AS f(key, late, event_id)
      WHERE t.key = f.key`.execute(db);
    outcome.fired = firing.map(({ timer }) => ({ key: timer.key, delayMs: timer.delayMs, late: timer.late }));
    return outcome;
  }
}
