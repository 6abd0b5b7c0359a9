import type { Selectable } from 'kysely';
import type { DB } from '@app/platform';
import {
  TASK_ENRICHED,
  type TaskCreatedPayload,
  type TaskEnrichedPayload,
  type TaskStatusChangedPayload,
  type TaskUpdatedPayload,
} from '../domain/task.events.js';
import { NO_DUE_DATE, PRIORITY_RANK } from '../ports/task-read-model.js';

/** A tasks_read row as the table holds it (types generated from schema.prisma). */
export type TaskReadRow = Selectable<DB['tasks_read']>;

export interface ProjectableEvent {
  type: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: Date;
  payload: unknown;
}

export type Change =
  { kind: 'upsert'; row: TaskReadRow } | { kind: 'delete'; id: string; revision: number } | { kind: 'none' };

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

/**
 * The tasks_read projection as a pure function: given the current row (or none) and an event,
 * the change to make. Idempotent: a task event at or below the row's version changes nothing,
 * and an enrichment older than the one applied is ignored. Each change bumps `revision`.
 */
export function projectTaskEvent(row: TaskReadRow | null, e: ProjectableEvent): Change {
  if (e.type === 'task.created') {
    if (row) return { kind: 'none' };
    const p = e.payload as TaskCreatedPayload;
    const createdAt = new Date(p.createdAt);
    const due = date(p.dueDate);
    return {
      kind: 'upsert',
      row: {
        id: e.aggregateId,
        owner_id: p.ownerId,
        title: p.title,
        description: p.description,
        priority: p.priority,
        priority_rank: PRIORITY_RANK[p.priority],
        status: p.status,
        due_date: due,
        due_sort: due ?? NO_DUE_DATE,
        version: e.aggregateVersion,
        revision: 1,
        created_at: createdAt,
        updated_at: createdAt,
        completed_at: null,
        summary: null,
        subtasks: [],
        category: null,
        enrichment_source: null,
        enrichment_model: null,
        enrichment_prompt_version: null,
        enriched_version: null,
        enriched_at: null,
      },
    };
  }
  if (e.type === TASK_ENRICHED) {
    const p = e.payload as TaskEnrichedPayload;
    if (!row || (row.enriched_version !== null && row.enriched_version > p.basedOnVersion)) return { kind: 'none' };
    return {
      kind: 'upsert',
      row: {
        ...row,
        revision: row.revision + 1,
        summary: p.summary,
        subtasks: p.subtasks,
        category: p.category,
        enrichment_source: p.source,
        enrichment_model: p.model,
        enrichment_prompt_version: p.promptVersion,
        enriched_version: p.basedOnVersion,
        enriched_at: e.occurredAt,
      },
    };
  }
  if (!row || e.aggregateVersion <= row.version) return { kind: 'none' };
  const next: TaskReadRow = { ...row, version: e.aggregateVersion, revision: row.revision + 1 };
  switch (e.type) {
    case 'task.updated': {
      const p = e.payload as TaskUpdatedPayload;
      const c = p.changes;
      if (c.title !== undefined) next.title = c.title;
      if (c.description !== undefined) next.description = c.description;
      if (c.priority !== undefined) {
        next.priority = c.priority;
        next.priority_rank = PRIORITY_RANK[c.priority];
      }
      if (c.dueDate !== undefined) {
        next.due_date = date(c.dueDate);
        next.due_sort = next.due_date ?? NO_DUE_DATE;
      }
      next.updated_at = new Date(p.updatedAt);
      return { kind: 'upsert', row: next };
    }
    case 'task.status_changed': {
      const p = e.payload as TaskStatusChangedPayload;
      next.status = p.to;
      next.updated_at = new Date(p.changedAt);
      next.completed_at = p.to === 'completed' ? next.updated_at : null;
      return { kind: 'upsert', row: next };
    }
    case 'task.deleted':
      return { kind: 'delete', id: row.id, revision: row.revision + 1 };
    default:
      return { kind: 'none' };
  }
}
