import {
  NOTIFICATION_CREATED,
  NOTIFICATION_READ,
  type NotificationCreatedPayload,
  type NotificationReadPayload,
} from '../domain/notification.events.js';

/** A row of notifications_read. */
export interface NotificationReadRow {
  id: string;
  userId: string;
  type: NotificationCreatedPayload['type'];
  title: string;
  body: string;
  data: NotificationCreatedPayload['data'];
  createdAt: Date;
  readAt: Date | null;
}

/** The row after an event of its notification (pure: given events -> rows); null when the event changes nothing. */
export function projectNotificationEvent(
  row: NotificationReadRow | null,
  event: { type: string; aggregateId: string; payload: unknown },
): NotificationReadRow | null {
  if (event.type === NOTIFICATION_CREATED) {
    if (row) return null;
    const p = event.payload as NotificationCreatedPayload;
    return {
      id: event.aggregateId,
      userId: p.userId,
      type: p.type,
      title: p.title,
      body: p.body,
      data: p.data,
      createdAt: new Date(p.createdAt),
      readAt: null,
    };
  }
  if (event.type === NOTIFICATION_READ && row && !row.readAt)
    return { ...row, readAt: new Date((event.payload as NotificationReadPayload).readAt) };
  return null;
}
