import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner, type Tx } from '@app/platform';
import { TASK_ENRICHED, TASK_EVENT_TYPES, type TaskEnrichedPayload } from '../domain/task.events.js';
import { TaskCache } from '../ports/task-cache.js';
import { projectTaskEvent, type TaskReadRow } from './tasks-read.projection.js';

interface DbRow {
  id: string; owner_id: string; title: string; description: string; priority: TaskReadRow['priority']; priority_rank: number; status: string;
  due_date: Date | null; due_sort: Date; version: number; revision: number; created_at: Date; updated_at: Date; completed_at: Date | null;
  summary: string | null; subtasks: string[]; category: string | null; enrichment_source: string | null; enrichment_model: string | null;
  enrichment_prompt_version: string | null; enriched_version: number | null; enriched_at: Date | null;
}

function fromDb(r: DbRow): TaskReadRow {
  return {
    id: r.id, ownerId: r.owner_id, title: r.title, description: r.description, priority: r.priority, priorityRank: r.priority_rank, status: r.status,
    dueDate: r.due_date, dueSort: r.due_sort, version: r.version, revision: r.revision, createdAt: r.created_at, updatedAt: r.updated_at, completedAt: r.completed_at,
    summary: r.summary, subtasks: r.subtasks, category: r.category, enrichmentSource: r.enrichment_source, enrichmentModel: r.enrichment_model,
    enrichmentPromptVersion: r.enrichment_prompt_version, enrichedVersion: r.enriched_version, enrichedAt: r.enriched_at,
  };
}

/**
 * Keeps tasks_read from the task events (and task.enriched). Runs inside the engine's
 * transaction: reads the row FOR UPDATE, applies the pure projection, writes it, and raises the
 * cache's revision marker so no older cached copy is served afterwards.
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
    const work = async (tx: Tx) => {
      const id = event.type === TASK_ENRICHED ? (event.payload as TaskEnrichedPayload).taskId : event.aggregateId;
      const rows = await tx.query<DbRow[]>('SELECT * FROM tasks_read WHERE id = $1::uuid FOR UPDATE', id);
      const change = projectTaskEvent(rows[0] ? fromDb(rows[0]) : null, { ...event, aggregateId: id });
      if (change.kind === 'none') return;
      if (change.kind === 'delete') {
        await tx.execute('DELETE FROM tasks_read WHERE id = $1::uuid', change.id);
        await this.cache.invalidate(change.id, change.revision);
        return;
      }
      const r = change.row;
      await tx.execute(
        `INSERT INTO tasks_read (id, owner_id, title, description, priority, priority_rank, status, due_date, due_sort, version, revision, created_at, updated_at, completed_at,
                                 summary, subtasks, category, enrichment_source, enrichment_model, enrichment_prompt_version, enriched_version, enriched_at)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10, $11, $12::timestamptz, $13::timestamptz, $14::timestamptz,
                 $15, $16::jsonb, $17, $18, $19, $20, $21, $22::timestamptz)
         ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, priority = EXCLUDED.priority, priority_rank = EXCLUDED.priority_rank,
           status = EXCLUDED.status, due_date = EXCLUDED.due_date, due_sort = EXCLUDED.due_sort, version = EXCLUDED.version, revision = EXCLUDED.revision,
           updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at, summary = EXCLUDED.summary, subtasks = EXCLUDED.subtasks, category = EXCLUDED.category,
           enrichment_source = EXCLUDED.enrichment_source, enrichment_model = EXCLUDED.enrichment_model, enrichment_prompt_version = EXCLUDED.enrichment_prompt_version,
           enriched_version = EXCLUDED.enriched_version, enriched_at = EXCLUDED.enriched_at`,
        r.id, r.ownerId, r.title, r.description, r.priority, r.priorityRank, r.status, r.dueDate, r.dueSort, r.version, r.revision, r.createdAt, r.updatedAt, r.completedAt,
        r.summary, JSON.stringify(r.subtasks), r.category, r.enrichmentSource, r.enrichmentModel, r.enrichmentPromptVersion, r.enrichedVersion, r.enrichedAt,
      );
      if (r.revision > 1) await this.cache.invalidate(r.id, r.revision);
    };
    const open = this.transactions.current();
    await (open ? work(open) : this.transactions.run(work));
  }

  async reset(): Promise<void> {
    const work = (tx: Tx) => tx.execute('DELETE FROM tasks_read');
    const open = this.transactions.current();
    await (open ? work(open) : this.transactions.run(work));
  }
}
