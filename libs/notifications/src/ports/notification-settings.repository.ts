import type { NotificationSettings } from '../domain/notification-settings.js';

/** The `notification_settings` write table; inside the caller's unit of work. */
export abstract class NotificationSettingsRepository {
  /** The user's settings, locked for update; the defaults (version 0) when never set. */
  abstract find(userId: string): Promise<NotificationSettings>;
  abstract save(s: NotificationSettings, expectedVersion: number): Promise<void>;
}
