export { NotificationsModule } from './notifications.module.js';
export { NotificationsWorkerModule } from './notifications-worker.module.js';
export {
  REMINDER_DUE,
  REMINDER_AGGREGATE,
  NOTIFICATION_CREATED,
  NOTIFICATION_READ,
  SETTINGS_CHANGED,
} from './domain/notification.events.js';
export type {
  ReminderDuePayload,
  NotificationCreatedPayload,
  NotificationReadPayload,
  SettingsChangedPayload,
} from './domain/notification.events.js';
