/**
 * Reminders (docs/decisions/0072): what the slice keeps of a task, and the pure decision of
 * when its reminder is due. The task events are another slice's contract; this file names only
 * the fields it reads from them.
 */

/** What the notifications slice keeps of a task, folded from the task events. */
export interface TaskDue {
  taskId: string;
  ownerId: string;
  title: string;
  dueDate: Date | null;
  /** pending or in_progress; completed and cancelled tasks get no reminder. */
  open: boolean;
}

const CLOSED = new Set(['completed', 'cancelled']);

/** The task events' fields the slice reads (task.created, task.updated, task.status_changed, task.deleted). */
export type TaskFact =
  | { type: 'task.created'; taskId: string; payload: { ownerId: string; title: string; dueDate: string | null } }
  | {
      type: 'task.updated';
      taskId: string;
      payload: { ownerId: string; changes: { title?: string; dueDate?: string | null } };
    }
  | { type: 'task.status_changed'; taskId: string; payload: { ownerId: string; to: string } }
  | { type: 'task.deleted'; taskId: string; payload: { ownerId: string } };

/** The task after `fact` (null: deleted, or never seen: an update of an unknown task is ignored). */
export function foldTaskFact(task: TaskDue | null, fact: TaskFact): TaskDue | null {
  switch (fact.type) {
    case 'task.created':
      return {
        taskId: fact.taskId,
        ownerId: fact.payload.ownerId,
        title: fact.payload.title,
        dueDate: toDate(fact.payload.dueDate),
        open: true,
      };
    case 'task.updated': {
      if (!task) return null;
      const { title, dueDate } = fact.payload.changes;
      return { ...task, title: title ?? task.title, dueDate: dueDate === undefined ? task.dueDate : toDate(dueDate) };
    }
    case 'task.status_changed':
      return task ? { ...task, open: !CLOSED.has(fact.payload.to) } : null;
    case 'task.deleted':
      return null;
  }
}

const toDate = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

export const DEFAULT_REMINDER_LEAD_MINUTES = 60;
export const MAX_REMINDER_LEAD_MINUTES = 10_080;

export type ReminderDecision = { kind: 'schedule'; at: Date; dueDate: Date } | { kind: 'cancel' };

/**
 * When the reminder of `task` fires, given the owner's lead and the current time: at
 * `dueDate - lead`; at once when that moment has passed but the due date has not; never (cancel)
 * when the task is gone, closed, has no due date, or its due date has passed.
 */
export function decideReminder(task: TaskDue | null, leadMinutes: number, now: Date): ReminderDecision {
  if (!task || !task.open || !task.dueDate || task.dueDate.getTime() <= now.getTime()) return { kind: 'cancel' };
  const at = task.dueDate.getTime() - leadMinutes * 60_000;
  return { kind: 'schedule', at: new Date(Math.max(at, now.getTime())), dueDate: task.dueDate };
}

/** The timer key of a task's reminder: one pending reminder per task, moved or cancelled by this key. */
export const reminderTimerKey = (taskId: string) => `task_reminder:${taskId}`;
