import type { EventStore } from '@app/events/ports';
import type { NotificationState } from '../domain/notification.js';
import {
  NOTIFICATION_AGGREGATE,
  NOTIFICATION_CREATED,
  type NotificationCreatedPayload,
} from '../domain/notification.events.js';
import type { NotificationRepository } from '../ports/notification.repository.js';

/** Writes a new in-app notification and its `notification.created` event (nothing when its id exists: a redelivery). */
export async function recordNotification(
  notifications: NotificationRepository,
  events: EventStore,
  n: NotificationState,
): Promise<void> {
  if (!(await notifications.insert(n))) return;
  const payload: NotificationCreatedPayload = {
    userId: n.userId,
    type: n.type,
    title: n.title,
    body: n.body,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
  };
  await events.append([
    {
      type: NOTIFICATION_CREATED,
      aggregateType: NOTIFICATION_AGGREGATE,
      aggregateId: n.id,
      aggregateVersion: 1,
      payload,
    },
  ]);
}
