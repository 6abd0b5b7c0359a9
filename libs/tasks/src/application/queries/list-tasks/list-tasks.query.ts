import { Query } from '@nestjs/cqrs';
import type { TaskPriority, TaskStatus } from '../../../domain/task.js';
import type { TaskSortField, TaskView } from '../../../ports/task-read-model.js';

export interface TaskPage {
  items: TaskView[];
  nextCursor: string | null;
}

export class ListTasksQuery extends Query<TaskPage> {
  constructor(
    readonly ownerId: string,
    readonly filter: { status?: TaskStatus; priority?: TaskPriority; dueBefore?: Date; dueAfter?: Date; q?: string },
    readonly sort: { field: TaskSortField; direction: 'asc' | 'desc' },
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
