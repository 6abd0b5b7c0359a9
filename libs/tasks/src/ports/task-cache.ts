import { readerView, type TaskView } from './task-read-model.js';

/**
 * One task as `GET /tasks/:id` serves it: the reader's view as JSON, with what a read checks
 * before serving it. The cache keeps it in this form, so a hit is sent as it is stored, with no
 * parse and re-serialisation (docs/decisions/0058).
 */
export interface TaskDocument {
  ownerId: string;
  version: number;
  /** The read row's revision: the cache's freshness stamp. */
  revision: number;
  /** `readerView(view)` as JSON. */
  json: string;
}

export function taskDocument(view: TaskView): TaskDocument {
  return {
    ownerId: view.ownerId,
    version: view.version,
    revision: view.revision,
    json: JSON.stringify(readerView(view)),
  };
}

/**
 * Cache-aside for single tasks. `get` never returns a document older than the last `invalidate`:
 * an invalidation records the row's new revision, and a cached document below it is a miss.
 */
export abstract class TaskCache {
  abstract get(id: string): Promise<TaskDocument | undefined>;
  abstract set(id: string, document: TaskDocument): Promise<void>;
  /** Called by the projector when the row reaches `revision` (or is deleted: pass its last revision + 1). */
  abstract invalidate(id: string, revision: number): Promise<void>;
}
