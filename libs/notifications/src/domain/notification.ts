import { DomainError } from '@app/shared-kernel';
import type { NotificationType } from './notification.events.js';

/** An in-app notification (write side). */
export interface NotificationState {
  id: string;
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, string | number | null>;
  createdAt: Date;
  readAt: Date | null;
  version: number;
}

export const notificationNotFound = (id: string) =>
  new DomainError('not_found', 'notification-not-found', `Notification ${id} does not exist.`);

/** Marking read: the first time sets readAt (a new version); again changes nothing. */
export function markRead(n: NotificationState, now: Date): NotificationState | null {
  return n.readAt ? null : { ...n, readAt: now, version: n.version + 1 };
}
