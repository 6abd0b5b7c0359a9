export { TasksModule } from './tasks.module.js';
export { TasksWorkerModule } from './tasks-worker.module.js';
export type { TaskView, TaskStats } from './ports/task-read-model.js';
export type {
  TaskCreatedPayload,
  TaskDeletedPayload,
  TaskEnrichedPayload,
  TaskStatusChangedPayload,
  TaskUpdatedPayload,
  TaskCategory,
} from './domain/task.events.js';
export { TASK_EVENT_TYPES, TASK_ENRICHED, TASK_CATEGORIES } from './domain/task.events.js';
export type { TaskPriority, TaskStatus } from './domain/task.js';
