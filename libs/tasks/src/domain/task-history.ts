import {
  TASK_AGGREGATE,
  TASK_ENRICHED,
  TASK_ENRICHMENT_AGGREGATE,
  TASK_EVENT_TYPES,
  TASK_REMINDER_AGGREGATE,
  TASK_REMINDER_DUE,
  type TaskCategory,
  type TaskCreatedPayload,
  type TaskEnrichedPayload,
  type TaskReminderDuePayload,
  type TaskStatusChangedPayload,
  type TaskUpdatedPayload,
} from './task.events.js';
import type { TaskPriority, TaskStatus } from './task.values.js';

/** What a task's history is made of: the event types, and which aggregate each comes from. */
export const TASK_HISTORY_SOURCES = [
  ...TASK_EVENT_TYPES.map((type) => ({ type, aggregateType: TASK_AGGREGATE })),
  { type: TASK_ENRICHED, aggregateType: TASK_ENRICHMENT_AGGREGATE },
  { type: TASK_REMINDER_DUE, aggregateType: TASK_REMINDER_AGGREGATE },
] as const;
export const TASK_HISTORY_EVENT_TYPES: readonly string[] = TASK_HISTORY_SOURCES.map((s) => s.type);

/** The task's fields as a reader sees them, the ones a history entry reports changes of. */
export interface HistoryFields {
  title: string;
  description: string;
  priority: TaskPriority;
  status: TaskStatus;
  dueDate: string | null;
  summary: string | null;
  subtasks: string[];
  category: TaskCategory | null;
}
export type HistoryField = keyof HistoryFields;
/** Per changed field, its value before the event (null when the task did not exist) and after. */
export type HistoryChanges = { [K in HistoryField]?: { before: HistoryFields[K] | null; after: HistoryFields[K] } };

/** Where a task's history stands: the fold of its entries so far. */
export interface TaskHistoryHead {
  taskId: string;
  ownerId: string;
  /** The number of entries: the next one is `seq + 1`. */
  seq: number;
  /** The task's write version after the last task event. */
  version: number;
  /** The task version the applied enrichment was made from (an older one arriving late changes nothing). */
  enrichedVersion: number | null;
  deleted: boolean;
  fields: HistoryFields;
}

export interface TaskHistoryEntry {
  taskId: string;
  /** 1, 2, 3, ... in the order the entries were folded (the log's commit order): the keyset of a page. */
  seq: number;
  eventId: string;
  type: string;
  /** The task's write version at this point: the event's own for task events, the current one for enrichments and reminders. */
  version: number;
  occurredAt: Date;
  actor: string | null;
  changes: HistoryChanges;
}

/** An event as the fold needs it (the log's envelope, metadata's actor lifted out). */
export interface HistoryEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: Date;
  actor: string | null;
  payload: unknown;
}

/** The task whose history an event belongs to, or null for an event that is not part of one. */
export function historyTaskOf(
  e: Pick<HistoryEvent, 'type' | 'aggregateType' | 'aggregateId' | 'payload'>,
): string | null {
  if (!TASK_HISTORY_SOURCES.some((s) => s.type === e.type && s.aggregateType === e.aggregateType)) return null;
  if (e.aggregateType === TASK_AGGREGATE) return e.aggregateId;
  // enrichments and reminders are aggregates of their own that name their task
  const taskId = (e.payload as TaskEnrichedPayload | TaskReminderDuePayload | null)?.taskId;
  return typeof taskId === 'string' ? taskId : null;
}

const same = (a: unknown, b: unknown) =>
  Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a === b;

/** Sets the fields that differ, recording each one's value before and after. */
function change(
  fields: HistoryFields,
  next: Partial<HistoryFields>,
): { fields: HistoryFields; changes: HistoryChanges } {
  const out: HistoryFields = { ...fields, subtasks: [...fields.subtasks] };
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(next) as HistoryField[]) {
    const after = next[key];
    if (after === undefined || same(fields[key], after)) continue;
    changes[key] = { before: fields[key], after };
    (out as unknown as Record<string, unknown>)[key] = after;
  }
  return { fields: out, changes: changes };
}

/**
 * The history fold: given where a task's history stands (null before its creation) and the next
 * event of the log that concerns it, the entry that event adds and the new head; null when it
 * adds none. `task.updated` carries only the new values: the values before come from the head.
 *
 * - `task.created` starts the history (every initial field, `before` null; a null due date is
 *   left out). A second one adds nothing.
 * - `task.updated`, `task.status_changed`, `task.deleted`: only above the head's version, so a
 *   repeat or an older event adds nothing. A deleted task's history stays; nothing follows it.
 * - `task.enriched`: summary, subtasks and category before and after; an enrichment made from an
 *   older version than the one applied is listed with no changes (the read side ignores it too).
 * - `task.reminder_due`: listed, with no changes.
 */
export function foldHistory(
  head: TaskHistoryHead | null,
  e: HistoryEvent,
): { head: TaskHistoryHead; entry: TaskHistoryEntry } | null {
  const taskId = historyTaskOf(e);
  if (taskId === null) return null;
  const entry = (h: TaskHistoryHead, version: number, changes: HistoryChanges): TaskHistoryEntry => ({
    taskId,
    seq: h.seq + 1,
    eventId: e.id,
    type: e.type,
    version,
    occurredAt: e.occurredAt,
    actor: e.actor,
    changes,
  });

  if (e.type === 'task.created') {
    if (head) return null;
    const p = e.payload as TaskCreatedPayload;
    const start: TaskHistoryHead = {
      taskId,
      ownerId: p.ownerId,
      seq: 0,
      version: e.aggregateVersion,
      enrichedVersion: null,
      deleted: false,
      fields: {
        title: '',
        description: '',
        priority: p.priority,
        status: p.status,
        dueDate: null,
        summary: null,
        subtasks: [],
        category: null,
      },
    };
    const changes: HistoryChanges = {
      title: { before: null, after: p.title },
      description: { before: null, after: p.description },
      priority: { before: null, after: p.priority },
      status: { before: null, after: p.status },
    };
    if (p.dueDate !== null) changes.dueDate = { before: null, after: p.dueDate };
    const fields: HistoryFields = { ...start.fields, title: p.title, description: p.description, dueDate: p.dueDate };
    return { head: { ...start, seq: 1, fields }, entry: entry(start, e.aggregateVersion, changes) };
  }
  if (!head || head.deleted) return null;

  if (e.type === TASK_ENRICHED) {
    const p = e.payload as TaskEnrichedPayload;
    if (head.enrichedVersion !== null && head.enrichedVersion > p.basedOnVersion) {
      return { head: { ...head, seq: head.seq + 1 }, entry: entry(head, head.version, {}) };
    }
    const next = change(head.fields, { summary: p.summary, subtasks: p.subtasks, category: p.category });
    return {
      head: { ...head, seq: head.seq + 1, enrichedVersion: p.basedOnVersion, fields: next.fields },
      entry: entry(head, head.version, next.changes),
    };
  }
  if (e.type === TASK_REMINDER_DUE) {
    return { head: { ...head, seq: head.seq + 1 }, entry: entry(head, head.version, {}) };
  }

  if (e.aggregateVersion <= head.version) return null;
  let next: { fields: HistoryFields; changes: HistoryChanges };
  let deleted = false;
  if (e.type === 'task.updated') {
    next = change(head.fields, (e.payload as TaskUpdatedPayload).changes);
  } else if (e.type === 'task.status_changed') {
    next = change(head.fields, { status: (e.payload as TaskStatusChangedPayload).to });
  } else if (e.type === 'task.deleted') {
    next = { fields: head.fields, changes: {} };
    deleted = true;
  } else {
    return null;
  }
  return {
    head: { ...head, seq: head.seq + 1, version: e.aggregateVersion, deleted, fields: next.fields },
    entry: entry(head, e.aggregateVersion, next.changes),
  };
}
