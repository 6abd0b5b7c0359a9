import { Query } from '@nestjs/cqrs';
import type { NotificationView } from '../../../ports/notification.read-model.js';

export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
}

export class ListNotificationsQuery extends Query<NotificationPage> {
  constructor(
    readonly userId: string,
    readonly unread: boolean | undefined,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
