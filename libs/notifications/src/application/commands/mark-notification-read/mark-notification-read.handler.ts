import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { markRead, notificationNotFound, type NotificationState } from '../../../domain/notification.js';
import {
  NOTIFICATION_AGGREGATE,
  NOTIFICATION_READ,
  type NotificationReadPayload,
} from '../../../domain/notification.events.js';
import { NotificationRepository } from '../../../ports/notification.repository.js';
import { MarkNotificationReadCommand } from './mark-notification-read.command.js';

@CommandHandler(MarkNotificationReadCommand)
export class MarkNotificationReadHandler implements ICommandHandler<MarkNotificationReadCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly notifications: NotificationRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: MarkNotificationReadCommand): Promise<NotificationState> {
    return this.uow.run(async () => {
      const current = await this.notifications.findOwned(cmd.notificationId, cmd.userId);
      if (!current) throw notificationNotFound(cmd.notificationId);
      const read = markRead(current, this.clock.now());
      if (!read) return current;
      await this.notifications.update(read, current.version);
      const payload: NotificationReadPayload = { userId: read.userId, readAt: read.readAt!.toISOString() };
      await this.events.append([
        {
          type: NOTIFICATION_READ,
          aggregateType: NOTIFICATION_AGGREGATE,
          aggregateId: read.id,
          aggregateVersion: read.version,
          payload,
        },
      ]);
      return read;
    });
  }
}
