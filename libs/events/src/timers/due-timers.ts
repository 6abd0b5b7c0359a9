import type { TransactionRunner, Tx } from '@app/platform';
import type { EventMetadata, NewEvent, TimerFiring } from '../event.js';
import type { EventStore } from '../ports/event-store.js';
import { decideFiring, type FiringPolicy, nextVersions } from './timer-firing.js';

interface DueRow {
  key: string;
  due_at: Date;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: unknown;
  metadata: EventMetadata;
}

/** What one batch did, once committed. */
export interface BatchOutcome {
  fired: { key: string; delayMs: number; late: boolean }[];
  dropped: { key: string; delayMs: number }[];
  /** The batch took `limit` timers: more may be due. */
  full: boolean;
}

// Row locks taken here, skipping those another scheduler (or a transaction moving a timer)
// holds: each due timer is in one batch at a time, and leaves `pending` when that batch commits.
const LOCK_DUE = `SELECT key, due_at, event_type, aggregate_type, aggregate_id, payload, metadata FROM timers
  WHERE state = 'pending' AND due_at <= $1::timestamptz ORDER BY due_at, key LIMIT $2 FOR UPDATE SKIP LOCKED`;
// Two batches firing for one aggregate take its next version in turn (locks taken in key order: no deadlock).
const AGGREGATE_LOCK_NAMESPACE = 0x544d5253; // 'TMRS'
const LOCK_AGGREGATES = `SELECT pg_advisory_xact_lock($1, k) FROM (SELECT DISTINCT hashtext(a) AS k FROM unnest($2::text[]) AS a ORDER BY 1) AS sorted`;
const LATEST_VERSIONS = `SELECT aggregate_id, max(aggregate_version) AS version FROM events WHERE aggregate_id = ANY($1::uuid[]) GROUP BY aggregate_id`;
const MARK_FIRED = `UPDATE timers AS t SET state = 'fired', fired_at = $1::timestamptz, late = f.late, event_id = f.event_id, updated_at = now()
  FROM unnest($2::text[], $3::boolean[], $4::uuid[]) AS f(key, late, event_id) WHERE t.key = f.key`;
const MARK_DROPPED = `UPDATE timers SET state = 'dropped', late = true, updated_at = now() WHERE key = ANY($1::text[])`;
const NEXT_DUE = `SELECT min(due_at) AS next FROM timers WHERE state = 'pending' AND due_at > $1::timestamptz`;

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
    return this.transactions.run((tx) => this.fireIn(tx, now, limit));
  }

  /**
   * When the next pending timer after `now` is due. Timers already due that the last batch did
   * not take are held by another scheduler's batch (which fires them) or were scheduled after
   * it read (which rang this process's signal, or is seen at the next poll).
   */
  async nextDueAfter(now: Date): Promise<Date | undefined> {
    const [row] = await this.transactions.client.query<{ next: Date | null }[]>(NEXT_DUE, now.toISOString());
    return row?.next ?? undefined;
  }

  private async fireIn(tx: Tx, now: Date, limit: number): Promise<BatchOutcome> {
    const rows = await tx.query<DueRow[]>(LOCK_DUE, now.toISOString(), limit);
    const outcome: BatchOutcome = { fired: [], dropped: [], full: rows.length === limit };
    if (rows.length === 0) return outcome;
    const firing: { row: DueRow; timer: TimerFiring }[] = [];
    for (const row of rows) {
      const decision = decideFiring(row.due_at, now, this.policy);
      if (decision.kind === 'drop') outcome.dropped.push({ key: row.key, delayMs: decision.delayMs });
      else firing.push({ row, timer: { key: row.key, dueAt: row.due_at.toISOString(), firedAt: now.toISOString(), delayMs: decision.delayMs, late: decision.late } });
    }
    if (outcome.dropped.length > 0) await tx.execute(MARK_DROPPED, outcome.dropped.map((d) => d.key));
    if (firing.length === 0) return outcome;

    const aggregates = firing.map((f) => f.row.aggregate_id);
    await tx.query(LOCK_AGGREGATES, AGGREGATE_LOCK_NAMESPACE, aggregates);
    const latest = await tx.query<{ aggregate_id: string; version: number }[]>(LATEST_VERSIONS, [...new Set(aggregates)]);
    const versions = nextVersions(aggregates, new Map(latest.map((r) => [r.aggregate_id, r.version])));
    const events: NewEvent[] = firing.map(({ row, timer }, i) => ({
      type: row.event_type,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      aggregateVersion: versions[i],
      payload: row.payload,
      metadata: { ...row.metadata, timer },
    }));
    const stored = await this.events.append(events);
    await tx.execute(MARK_FIRED, now.toISOString(), firing.map((f) => f.row.key), firing.map((f) => f.timer.late), stored.map((e) => e.id));
    outcome.fired = firing.map(({ timer }) => ({ key: timer.key, delayMs: timer.delayMs, late: timer.late }));
    return outcome;
  }
}
