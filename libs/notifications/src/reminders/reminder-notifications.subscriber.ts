import { Injectable } from '@nestjs/common';
import { EventConsumer, Subscriber, type StoredEvent } from '@app/events';
import { EventStore } from '@app/events/ports';
import { TransactionRunner } from '@app/platform';
import type { NotificationState } from '../domain/notification.js';
import { reminderText } from '../domain/notification-texts.js';
import { REMINDER_DUE, type ReminderDuePayload } from '../domain/notification.events.js';
import { recordNotification } from '../application/record-notification.js';
import { notificationIdFor } from '../adapters/stable-ids.js';
import { NotificationRepository } from '../ports/notification.repository.js';
import { ReminderTaskStore } from '../ports/reminder-task.store.js';

/**
 * A fired reminder becomes an in-app notification (a `notifications` row and its
 * `notification.created` event, id derived from the reminder event: a redelivery adds nothing).
 * A stale reminder (the task closed, deleted or moved its due date after the timer fired but
 * before the move was seen) makes none.
 */
@Injectable()
@EventConsumer()
export class ReminderNotificationsSubscriber extends Subscriber {
  readonly name = 'notifications_in_app';
  readonly eventTypes = [REMINDER_DUE] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly tasks: ReminderTaskStore,
    private readonly notifications: NotificationRepository,
    private readonly events: EventStore,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    const reminder = event.payload as ReminderDuePayload;
    await this.transactions.run(async () => {
      const task = await this.tasks.get(reminder.taskId);
      if (!task || !task.open || task.dueDate?.toISOString() !== reminder.dueDate) return;
      const text = reminderText(task.title, task.dueDate);
      const n: NotificationState = {
        id: notificationIdFor(event.id),
        userId: task.ownerId,
        type: 'task_reminder',
        ...text,
        data: { taskId: task.taskId, dueDate: reminder.dueDate },
        createdAt: event.occurredAt,
        readAt: null,
        version: 1,
      };
      await recordNotification(this.notifications, this.events, n);
    });
  }
}
