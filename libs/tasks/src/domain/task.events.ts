import type { TaskPriority, TaskStatus } from './task.values.js';

/** Payloads of the task events (the contract other slices' projections consume: keep ownerId/from/to/status). */
export interface TaskCreatedPayload {
  ownerId: string;
  title: string;
  description: string;
  priority: TaskPriority;
  status: 'pending';
  dueDate: string | null;
  createdAt: string;
}
export interface TaskUpdatedPayload {
  ownerId: string;
  /** Only the fields that changed, with their new values (dueDate as ISO string or null). */
  changes: { title?: string; description?: string; priority?: TaskPriority; dueDate?: string | null };
  updatedAt: string;
}
export interface TaskStatusChangedPayload {
  ownerId: string;
  from: TaskStatus;
  to: TaskStatus;
  changedAt: string;
}
export interface TaskDeletedPayload {
  ownerId: string;
  /** The status the task had when deleted. */
  status: TaskStatus;
  deletedAt: string;
}
/** Written by the enrichment subscriber (its own aggregate: one per task, source event and analyser version). */
export interface TaskEnrichedPayload {
  taskId: string;
  ownerId: string;
  sourceEventId: string;
  /** The task version the analysis was made from. */
  basedOnVersion: number;
  summary: string;
  subtasks: string[];
  category: TaskCategory;
  source: 'llm' | 'heuristic';
  model: string;
  promptVersion: string;
}

export const TASK_CATEGORIES = ['bug_fix', 'feature', 'devops', 'documentation', 'other'] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];

export type TaskEvent =
  | { type: 'task.created'; version: number; payload: TaskCreatedPayload }
  | { type: 'task.updated'; version: number; payload: TaskUpdatedPayload }
  | { type: 'task.status_changed'; version: number; payload: TaskStatusChangedPayload }
  | { type: 'task.deleted'; version: number; payload: TaskDeletedPayload };

export const TASK_AGGREGATE = 'task';
export const TASK_EVENT_TYPES = ['task.created', 'task.updated', 'task.status_changed', 'task.deleted'] as const;
export const TASK_ENRICHED = 'task.enriched';
/** The enrichment's aggregate: one per (task, source event, analyser version); the task is `payload.taskId`. */
export const TASK_ENRICHMENT_AGGREGATE = 'task_enrichment';

/**
 * The notifications slice's reminder events, as far as a task's history reads them: event
 * `task.reminder_due` of aggregate `task_reminder`, the task in `payload.taskId`. (The aggregate's
 * id cannot be the task's own: the log's (aggregate_id, aggregate_version) is unique across
 * aggregate types, and the task's events take those versions; the notifications slice derives
 * it from the task's id.) That slice owns the contract (its domain/notification.events.ts);
 * these names are the tasks slice's one copy of it.
 */
export const TASK_REMINDER_AGGREGATE = 'task_reminder';
export const TASK_REMINDER_DUE = 'task.reminder_due';
export interface TaskReminderDuePayload {
  taskId: string;
  ownerId: string;
  dueDate: string;
  leadMinutes: number;
}
