import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import type { HistoryChanges, TaskHistoryEntry } from '../domain/task-history.js';
import { type TaskHistoryPageCriteria, TaskHistoryReadModel } from '../ports/task-history.read-model.js';

/**
 * task_history through Kysely, one statement a page: the head row decides ownership (no row: not
 * the caller's, or no such task), a lateral join takes the page of entries by (task_id, seq), an
 * index range whatever the page's depth.
 */
@Injectable()
export class KyselyTaskHistoryReadModel extends TaskHistoryReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async page(c: TaskHistoryPageCriteria): Promise<TaskHistoryEntry[] | null> {
    const rows = await this.transactions.db
      .selectFrom('task_history_heads as h')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('task_history as e')
            .selectAll('e')
            .whereRef('e.task_id', '=', 'h.task_id')
            .where('e.seq', '>', c.afterSeq)
            .orderBy('e.seq')
            .limit(c.limit + 1)
            .as('e'),
        (join) => join.onTrue(),
      )
      .select(['e.seq', 'e.event_id', 'e.type', 'e.version', 'e.occurred_at', 'e.actor', 'e.changes'])
      .where('h.task_id', '=', c.taskId)
      .where('h.owner_id', '=', c.ownerId)
      .orderBy('e.seq')
      .execute();
    if (rows.length === 0) return null;
    const entries: TaskHistoryEntry[] = [];
    for (const r of rows) {
      if (r.seq === null) continue; // the head with no entry past the cursor
      entries.push({
        taskId: c.taskId,
        seq: r.seq,
        eventId: r.event_id!,
        type: r.type!,
        version: r.version!,
        occurredAt: r.occurred_at!,
        actor: r.actor,
        changes: r.changes as HistoryChanges,
      });
    }
    return entries;
  }
}
