import type { TaskDue } from '../domain/reminder.js';

/** What the slice keeps of each task (`reminder_tasks`); inside the consumer's transaction. */
export abstract class ReminderTaskStore {
  /** Locked for update. */
  abstract get(taskId: string): Promise<TaskDue | null>;
  abstract put(task: TaskDue): Promise<void>;
  abstract remove(taskId: string): Promise<void>;
  /** The owner's open tasks with a due date after `after`, locked for update (the lead moved: they are rescheduled). */
  abstract openDueAfter(ownerId: string, after: Date): Promise<TaskDue[]>;
}
