import {
  TASK_ENRICHED,
  type TaskCreatedPayload,
  type TaskEnrichedPayload,
  type TaskStatusChangedPayload,
  type TaskUpdatedPayload,
} from '../domain/task.events.js';
import type { TaskPriority } from '../domain/task.js';
import { NO_DUE_DATE, PRIORITY_RANK } from '../ports/task-read-model.js';

/** A tasks_read row as the projection computes it (dates as Date, columns by name). */
export interface TaskReadRow {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  priority: TaskPriority;
  priorityRank: number;
  status: string;
  dueDate: Date | null;
  dueSort: Date;
  version: number;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  summary: string | null;
  subtasks: string[];
  category: string | null;
  enrichmentSource: string | null;
  enrichmentModel: string | null;
  enrichmentPromptVersion: string | null;
  enrichedVersion: number | null;
  enrichedAt: Date | null;
}

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
        ownerId: p.ownerId,
        title: p.title,
        description: p.description,
        priority: p.priority,
        priorityRank: PRIORITY_RANK[p.priority],
        status: p.status,
        dueDate: due,
        dueSort: due ?? NO_DUE_DATE,
        version: e.aggregateVersion,
        revision: 1,
        createdAt,
        updatedAt: createdAt,
        completedAt: null,
        summary: null,
        subtasks: [],
        category: null,
        enrichmentSource: null,
        enrichmentModel: null,
        enrichmentPromptVersion: null,
        enrichedVersion: null,
        enrichedAt: null,
      },
    };
  }
  if (e.type === TASK_ENRICHED) {
    const p = e.payload as TaskEnrichedPayload;
    if (!row || (row.enrichedVersion !== null && row.enrichedVersion > p.basedOnVersion)) return { kind: 'none' };
    return {
      kind: 'upsert',
      row: {
        ...row,
        revision: row.revision + 1,
        summary: p.summary,
        subtasks: p.subtasks,
        category: p.category,
        enrichmentSource: p.source,
        enrichmentModel: p.model,
        enrichmentPromptVersion: p.promptVersion,
        enrichedVersion: p.basedOnVersion,
        enrichedAt: e.occurredAt,
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
        next.priorityRank = PRIORITY_RANK[c.priority];
      }
      if (c.dueDate !== undefined) {
        next.dueDate = date(c.dueDate);
        next.dueSort = next.dueDate ?? NO_DUE_DATE;
      }
      next.updatedAt = new Date(p.updatedAt);
      return { kind: 'upsert', row: next };
    }
    case 'task.status_changed': {
      const p = e.payload as TaskStatusChangedPayload;
      next.status = p.to;
      next.updatedAt = new Date(p.changedAt);
      next.completedAt = p.to === 'completed' ? next.updatedAt : null;
      return { kind: 'upsert', row: next };
    }
    case 'task.deleted':
      return { kind: 'delete', id: row.id, revision: row.revision + 1 };
    default:
      return { kind: 'none' };
  }
}
