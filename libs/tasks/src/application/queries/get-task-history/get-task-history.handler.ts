import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { taskNotFound } from '../../../domain/task.js';
import { TaskHistoryReadModel } from '../../../ports/task-history.read-model.js';
import { GetTaskHistoryQuery, type TaskHistoryPage } from './get-task-history.query.js';
import { decodeHistoryCursor, encodeHistoryCursor } from './history-cursor.js';

/** A page of a task's history, oldest first; another user's task is a 404 like a missing one. */
@QueryHandler(GetTaskHistoryQuery)
export class GetTaskHistoryHandler implements IQueryHandler<GetTaskHistoryQuery> {
  constructor(private readonly history: TaskHistoryReadModel) {}

  async execute(q: GetTaskHistoryQuery): Promise<TaskHistoryPage> {
    const afterSeq = q.cursor === undefined ? 0 : decodeHistoryCursor(q.cursor);
    const rows = await this.history.page({ taskId: q.taskId, ownerId: q.ownerId, afterSeq, limit: q.limit });
    if (!rows) throw taskNotFound(q.taskId);
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? encodeHistoryCursor(items[items.length - 1].seq) : null };
  }
}
