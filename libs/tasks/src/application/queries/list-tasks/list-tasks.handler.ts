import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TaskReadModel } from '../../../ports/task-read-model.js';
import { ListTasksQuery, type TaskPage } from './list-tasks.query.js';
import { decodeCursor, encodeCursor } from './task-cursor.js';

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(private readonly read: TaskReadModel) {}

  async execute(q: ListTasksQuery): Promise<TaskPage> {
    const sortTag = `${q.sort.direction === 'desc' ? '-' : ''}${q.sort.field}`;
    const after = q.cursor ? decodeCursor(q.cursor, sortTag, q.sort.field) : undefined;
    const rows = await this.read.list({ ownerId: q.ownerId, ...q.filter, sort: q.sort, limit: q.limit, after });
    const items = rows.slice(0, q.limit);
    const nextCursor = rows.length > q.limit ? encodeCursor(sortTag, q.sort.field, items[items.length - 1]) : null;
    return { items, nextCursor };
  }
}
