import { Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { type DB, TransactionRunner } from '@app/platform';
import {
  foldHistory,
  historyTaskOf,
  TASK_HISTORY_EVENT_TYPES,
  type HistoryEvent,
  type HistoryFields,
  type TaskHistoryEntry,
  type TaskHistoryHead,
} from '../domain/task-history.js';
import { TASK_HISTORY_PROJECTION } from '../ports/task-history.read-model.js';

const toHead = (r: Selectable<DB['task_history_heads']>): TaskHistoryHead => ({
  taskId: r.task_id,
  ownerId: r.owner_id,
  seq: r.seq,
  version: r.version,
  enrichedVersion: r.enriched_version,
  deleted: r.deleted,
  fields: r.fields as HistoryFields,
});

const toHistoryEvent = (e: StoredEvent): HistoryEvent => ({
  id: e.id,
  type: e.type,
  aggregateType: e.aggregateType,
  aggregateId: e.aggregateId,
  aggregateVersion: e.aggregateVersion,
  occurredAt: e.occurredAt,
  actor: e.metadata.actor ?? null,
  payload: e.payload,
});

/**
 * Keeps task_history and task_history_heads from the task's events, its enrichments and its
 * reminders (docs/decisions/0074). Inside the engine's transaction, a batch at a time: reads the
 * heads of the tasks the batch concerns, folds the events in log order in memory
 * (domain/task-history.ts), then inserts the entries and writes the heads, one statement each
 * (arrays through unnest, so the statement's text is the same whatever the batch size). Entries
 * are numbered per task in that order, which is the log's commit order: a reader paging by
 * number never misses one that commits later. A deleted task's rows stay.
 */
@Injectable()
@EventConsumer()
export class TaskHistoryProjector extends Projector {
  readonly name = TASK_HISTORY_PROJECTION;
  readonly eventTypes = TASK_HISTORY_EVENT_TYPES;

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.handleBatch([event]);
  }

  override async handleBatch(events: StoredEvent[]): Promise<void> {
    if (!this.transactions.current()) throw new Error("TaskHistoryProjector must run inside the engine's transaction");
    const history = events.map(toHistoryEvent);
    const ids = [...new Set(history.map(historyTaskOf).filter((id): id is string => id !== null))];
    if (ids.length === 0) return;
    const db = this.transactions.db;
    const rows = await db
      .selectFrom('task_history_heads')
      .selectAll()
      .where(sql<boolean>`task_id = ANY(${ids}::uuid[])`)
      .orderBy('task_id')
      .forUpdate()
      .execute();
    const heads = new Map<string, TaskHistoryHead | null>(rows.map((r) => [r.task_id, toHead(r)]));
    const entries: TaskHistoryEntry[] = [];
    const changed = new Set<string>();
    for (const event of history) {
      const taskId = historyTaskOf(event);
      if (taskId === null) continue;
      const next = foldHistory(heads.get(taskId) ?? null, event);
      if (!next) continue;
      heads.set(taskId, next.head);
      entries.push(next.entry);
      changed.add(taskId);
    }
    if (entries.length === 0) return;

    const column = <T>(f: (e: TaskHistoryEntry) => T) => entries.map(f);
    await db
      .insertInto('task_history')
      .columns(['task_id', 'seq', 'event_id', 'type', 'version', 'occurred_at', 'actor', 'changes'])
      .expression(
        sql`SELECT * FROM unnest(${column((e) => e.taskId)}::uuid[], ${column((e) => e.seq)}::int[], ${column((e) => e.eventId)}::uuid[], ${column((e) => e.type)}::text[],
          ${column((e) => e.version)}::int[], ${column((e) => e.occurredAt)}::timestamptz[], ${column((e) => e.actor)}::text[], ${column((e) => JSON.stringify(e.changes))}::jsonb[])`,
      )
      .execute();

    const written = [...changed].map((id) => heads.get(id)!);
    const field = <T>(f: (h: TaskHistoryHead) => T) => written.map(f);
    await db
      .insertInto('task_history_heads')
      .columns(['task_id', 'owner_id', 'seq', 'version', 'enriched_version', 'deleted', 'fields'])
      .expression(
        sql`SELECT * FROM unnest(${field((h) => h.taskId)}::uuid[], ${field((h) => h.ownerId)}::uuid[], ${field((h) => h.seq)}::int[], ${field((h) => h.version)}::int[],
          ${field((h) => h.enrichedVersion)}::int[], ${field((h) => h.deleted)}::boolean[], ${field((h) => JSON.stringify(h.fields))}::jsonb[])`,
      )
      .onConflict((oc) =>
        oc.column('task_id').doUpdateSet((eb) => ({
          seq: eb.ref('excluded.seq'),
          version: eb.ref('excluded.version'),
          enriched_version: eb.ref('excluded.enriched_version'),
          deleted: eb.ref('excluded.deleted'),
          fields: eb.ref('excluded.fields'),
        })),
      )
      .execute();
  }

  async reset(): Promise<void> {
    await this.transactions.db.deleteFrom('task_history').execute();
    await this.transactions.db.deleteFrom('task_history_heads').execute();
  }
}
