import type { TaskPriority, TaskStatus } from '../domain/task.js';
import type { TaskCategory } from '../domain/task.events.js';

/** A row of tasks_read, as queries and the cache see it. */
export interface TaskView {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  priority: TaskPriority;
  status: TaskStatus;
  dueDate: string | null;
  version: number;
  /** Bumped on every change of the row (enrichment included): the cache's freshness stamp. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  summary: string | null;
  subtasks: string[];
  category: TaskCategory | null;
  enrichment: { source: 'llm' | 'heuristic'; model: string; promptVersion: string; enrichedAt: string } | null;
}

/** What a reader of a task sees: the read row without its owner and revision. */
export function readerView(v: TaskView) {
  return {
    id: v.id,
    title: v.title,
    description: v.description,
    priority: v.priority,
    status: v.status,
    dueDate: v.dueDate,
    version: v.version,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    completedAt: v.completedAt,
    summary: v.summary,
    subtasks: v.subtasks,
    category: v.category,
    enrichment: v.enrichment,
  };
}

export type TaskSortField = 'createdAt' | 'dueDate' | 'priority';

/** The sort keys tasks_read stores and a list cursor carries. urgent sorts first descending: rank grows with priority. */
export const PRIORITY_RANK: Record<TaskPriority, number> = { low: 1, medium: 2, high: 3, urgent: 4 };
/** NULL due dates sort as +infinity (last ascending, first descending), keeping keyset order total. */
export const NO_DUE_DATE = new Date('9999-12-31T00:00:00.000Z');

export interface TaskListCriteria {
  ownerId: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  dueBefore?: Date;
  dueAfter?: Date;
  q?: string;
  sort: { field: TaskSortField; direction: 'asc' | 'desc' };
  limit: number;
  /** Decoded keyset position: the sort key and id of the last row of the previous page. */
  after?: { key: string | number; id: string };
}

export interface TaskStats {
  byStatus: Record<string, number>;
  byPriority: Record<string, number>;
  byCategory: Record<string, number>;
  perDay: { date: string; created: number; completed: number }[];
}

/** The read side: queries read tasks_read directly, skipping the domain. */
export abstract class TaskReadModel {
  abstract get(id: string, ownerId: string): Promise<TaskView | null>;
  /** Up to `limit + 1` rows so the caller knows whether a next page exists. */
  abstract list(criteria: TaskListCriteria): Promise<TaskView[]>;
  abstract stats(ownerId: string, days: number, now: Date): Promise<TaskStats>;
}
