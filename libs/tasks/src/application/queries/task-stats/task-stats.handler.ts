import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Clock } from '@app/shared-kernel';
import { TaskReadModel, type TaskStats } from '../../../ports/task-read-model.js';
import { TaskStatsQuery } from './task-stats.query.js';

/** perDay covers the last 30 days (UTC), days without activity left out. */
export const STATS_DAYS = 30;

@QueryHandler(TaskStatsQuery)
export class TaskStatsHandler implements IQueryHandler<TaskStatsQuery> {
  constructor(
    private readonly read: TaskReadModel,
    private readonly clock: Clock,
  ) {}

  execute(q: TaskStatsQuery): Promise<TaskStats> {
    return this.read.stats(q.ownerId, STATS_DAYS, this.clock.now());
  }
}
