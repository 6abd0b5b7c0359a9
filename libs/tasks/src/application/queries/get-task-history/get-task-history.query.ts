import { Query } from '@nestjs/cqrs';
import type { TaskHistoryEntry } from '../../../domain/task-history.js';

export interface TaskHistoryPage {
  items: TaskHistoryEntry[];
  nextCursor: string | null;
}

export class GetTaskHistoryQuery extends Query<TaskHistoryPage> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
