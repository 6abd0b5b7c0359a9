import type { TaskView } from './task-read-model.js';

/**
 * Cache-aside for single tasks. `get` never returns a row older than the last `invalidate`:
 * an invalidation records the row's new revision, and a cached row below it is a miss.
 */
export abstract class TaskCache {
  abstract get(id: string): Promise<TaskView | undefined>;
  abstract set(view: TaskView): Promise<void>;
  /** Called by the projector when the row reaches `revision` (or is deleted: pass its last revision + 1). */
  abstract invalidate(id: string, revision: number): Promise<void>;
}
