import type { TaskState } from '../domain/task.js';

/** The write table. Called inside the command's unit of work. */
export abstract class TaskRepository {
  /** The task if it exists and belongs to `ownerId` (another user's task is indistinguishable from none). */
  abstract findOwned(id: string, ownerId: string): Promise<TaskState | null>;
  abstract insert(task: TaskState): Promise<void>;
  /** Writes the new state if the stored version is still `expectedVersion`; else a 409 conflict. */
  abstract update(task: TaskState, expectedVersion: number): Promise<void>;
  abstract delete(id: string, expectedVersion: number): Promise<void>;
}
