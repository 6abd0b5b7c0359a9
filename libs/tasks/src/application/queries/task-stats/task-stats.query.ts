import { Query } from '@nestjs/cqrs';
import type { TaskStats } from '../../../ports/task-read-model.js';

export class TaskStatsQuery extends Query<TaskStats> {
  constructor(readonly ownerId: string) {
    super();
  }
}
