import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotificationReadModel } from '../../../ports/notification.read-model.js';
import { ListNotificationsQuery, type NotificationPage } from './list-notifications.query.js';
import { decodeCursor, encodeCursor } from '../keyset-cursor.js';

@QueryHandler(ListNotificationsQuery)
export class ListNotificationsHandler implements IQueryHandler<ListNotificationsQuery> {
  constructor(private readonly read: NotificationReadModel) {}

  async execute(q: ListNotificationsQuery): Promise<NotificationPage> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.read.list({ userId: q.userId, unread: q.unread, limit: q.limit, after });
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(items[items.length - 1]) : null };
  }
}
