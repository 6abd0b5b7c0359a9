import type { TaskState } from '../domain/task.js';
import type { TaskView } from '../ports/task-read-model.js';

/** A task as GET returns it (from tasks_read, with the enrichment). */
export function viewResponse(v: TaskView) {
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

/** A task as a command returns it: the written state (enrichment arrives later, on reads). */
export function stateResponse(s: TaskState) {
  return {
    id: s.id,
    title: s.title,
    description: s.description,
    priority: s.priority,
    status: s.status,
    dueDate: s.dueDate ? s.dueDate.toISOString() : null,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
