import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { TASK_ENRICHED, TASK_EVENT_TYPES, type TaskEnrichedPayload } from '../domain/task.events.js';
import { TaskCache } from '../ports/task-cache.js';
import { projectTaskEvent, type TaskReadRow } from './tasks-read.projection.js';

/** The tasks_read row an event changes: its aggregate, or for task.enriched the task it enriches. */
const targetOf = (event: StoredEvent): string =>
  event.type === TASK_ENRICHED ? (event.payload as TaskEnrichedPayload).taskId : event.aggregateId;

/**
 * Keeps tasks_read from the task events (and task.enriched). Runs inside the engine's
 * transaction, a batch of events at a time: reads the rows they touch FOR UPDATE in one query,
 * applies the pure projection to each event in log order in memory, writes the final rows in one
 * statement (deletes in another), and raises the cache's revision marker of every changed task
 * so no older cached copy is served afterwards. `handle` is the same with a batch of one.
 */
@Injectable()
@EventConsumer()
export class TasksReadProjector extends Projector {
  readonly name = 'tasks_read';
  readonly eventTypes = [...TASK_EVENT_TYPES, TASK_ENRICHED] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly cache: TaskCache,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.handleBatch([event]);
  }

  /** In the engine's transaction (run joins the open one). */
  override async handleBatch(events: StoredEvent[]): Promise<void> {
    await this.transactions.run(() => this.apply(events));
  }

  async reset(): Promise<void> {
    await this.transactions.run(() => this.transactions.db.deleteFrom('tasks_read').execute());
  }

  private async apply(events: StoredEvent[]): Promise<void> {
    const db = this.transactions.db;
    const ids = [...new Set(events.map(targetOf))];
    // In id order, so two transactions locking overlapping sets cannot deadlock.
    // `= ANY(array)`: one statement text (one prepared statement) whatever the batch's size.
    const rows = await db
      .selectFrom('tasks_read')
      .selectAll()
      .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
      .orderBy('id')
      .forUpdate()
      .execute();
    const current = new Map<string, TaskReadRow | null>(rows.map((r) => [r.id, r]));
    const existed = new Set(current.keys());
    /** Changed tasks: the revision their cache marker must reach. */
    const changed = new Map<string, number>();
    for (const event of events) {
      const id = targetOf(event);
      const change = projectTaskEvent(current.get(id) ?? null, { ...event, aggregateId: id });
      if (change.kind === 'delete') {
        current.set(id, null);
        changed.set(id, change.revision);
      } else if (change.kind === 'upsert') {
        current.set(id, change.row);
        changed.set(id, change.row.revision);
      }
    }
    if (changed.size === 0) return;
    const gone = [...changed.keys()].filter((id) => current.get(id) === null && existed.has(id));
    if (gone.length)
      await db
        .deleteFrom('tasks_read')
        .where((eb) => eb('id', '=', eb.fn.any(eb.val(gone))))
        .execute();
    const kept = [...changed.keys()].map((id) => current.get(id)).filter((r): r is TaskReadRow => !!r);
    if (kept.length) {
      const updated = (Object.keys(kept[0]) as (keyof TaskReadRow)[]).filter((column) => column !== 'id');
      await db
        .insertInto('tasks_read')
        .values(kept.map((r) => ({ ...r, subtasks: JSON.stringify(r.subtasks) })))
        // A row already there takes every column of the new one but its key.
        .onConflict((conflict) =>
          conflict
            .column('id')
            .doUpdateSet((eb) => Object.fromEntries(updated.map((column) => [column, eb.ref(`excluded.${column}`)]))),
        )
        .execute();
    }
    // A new row (revision 1) was never cached; every other change (a delete included) raises its
    // marker. The calls go out together on the Redis connection.
    await Promise.all(
      [...changed].filter(([, revision]) => revision > 1).map(([id, revision]) => this.cache.invalidate(id, revision)),
    );
  }
}
