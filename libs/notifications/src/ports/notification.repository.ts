import type { NotificationState } from '../domain/notification.js';

/** The `notifications` write table; inside the caller's unit of work. */
export abstract class NotificationRepository {
  /** The user's notification, locked for update; null when there is none (or it is another user's). */
  abstract findOwned(id: string, userId: string): Promise<NotificationState | null>;
  /** Inserts it; false when a notification with that id exists (a redelivered event). */
  abstract insert(n: NotificationState): Promise<boolean>;
  abstract update(n: NotificationState, expectedVersion: number): Promise<void>;
}
