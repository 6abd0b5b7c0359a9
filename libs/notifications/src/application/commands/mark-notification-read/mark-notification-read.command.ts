import { Command } from '@nestjs/cqrs';
import type { NotificationState } from '../../../domain/notification.js';

/** Marks the caller's notification read (again: no change). */
export class MarkNotificationReadCommand extends Command<NotificationState> {
  constructor(
    readonly userId: string,
    readonly notificationId: string,
  ) {
    super();
  }
}
