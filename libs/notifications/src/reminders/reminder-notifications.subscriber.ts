import { Injectable } from '@nestjs/common';
import { EventConsumer, Subscriber, type StoredEvent } from '@app/events';
import { EventStore } from '@app/events/ports';
import { TransactionRunner } from '@app/platform';
import type { NotificationState } from '../domain/notification.js';
import { reminderText } from '../domain/notification-texts.js';
import { NOTIFICATION_AGGREGATE, NOTIFICATION_CREATED, REMINDER_DUE, type NotificationCreatedPayload, type ReminderDuePayload } from '../domain/notification.events.js';
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
      if (!(await this.notifications.insert(n))) return;
      const payload: NotificationCreatedPayload = { userId: n.userId, type: n.type, title: n.title, body: n.body, data: n.data, createdAt: n.createdAt.toISOString() };
      await this.events.append([{ type: NOTIFICATION_CREATED, aggregateType: NOTIFICATION_AGGREGATE, aggregateId: n.id, aggregateVersion: 1, payload }]);
    });
  }
}
