import type { TaskHistoryEntry } from '../domain/task-history.js';

/** The projection (and its consumer's name) that keeps task histories: what a read waits for with X-Consistency-Token. */
export const TASK_HISTORY_PROJECTION = 'task_history';

export interface TaskHistoryPageCriteria {
  taskId: string;
  ownerId: string;
  /** Entries after this one (0: from the first). */
  afterSeq: number;
  limit: number;
}

/** The read side of task histories (the task_history projection), for GET /tasks/{id}/history. */
export abstract class TaskHistoryReadModel {
  /**
   * Up to `limit + 1` entries after `afterSeq`, oldest first, so the caller knows whether a next
   * page exists; null when the owner has no such task in the projection (unknown, another's).
   * A deleted task's history is still its owner's.
   */
  abstract page(criteria: TaskHistoryPageCriteria): Promise<TaskHistoryEntry[] | null>;
}
