/** Events of the notifications slice (its contract for other consumers and webhooks). */

/** Appended by a durable timer when a task's reminder is due (aggregate `task_reminder`, one per task). */
export const REMINDER_DUE = 'task.reminder_due';
export const REMINDER_AGGREGATE = 'task_reminder';
export interface ReminderDuePayload {
  taskId: string;
  ownerId: string;
  /** The due date the reminder was scheduled for: a reminder whose task moved since is stale. */
  dueDate: string;
  leadMinutes: number;
}

export const NOTIFICATION_AGGREGATE = 'notification';
export const NOTIFICATION_CREATED = 'notification.created';
export const NOTIFICATION_READ = 'notification.read';

export const NOTIFICATION_TYPES = ['task_reminder', 'webhook_disabled'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface NotificationCreatedPayload {
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, string | number | null>;
  createdAt: string;
}
export interface NotificationReadPayload {
  userId: string;
  readAt: string;
}

export const SETTINGS_AGGREGATE = 'notification_settings';
export const SETTINGS_CHANGED = 'notification_settings.changed';
export interface SettingsChangedPayload {
  userId: string;
  email: boolean;
  reminderLeadMinutes: number;
  /** Present when the lead moved: reminders are rescheduled. */
  previousLeadMinutes: number;
}

export const WEBHOOK_AGGREGATE = 'webhook';
export const WEBHOOK_CREATED = 'webhook.created';
export const WEBHOOK_DELETED = 'webhook.deleted';
export const WEBHOOK_DISABLED = 'webhook.disabled';
export interface WebhookCreatedPayload {
  userId: string;
  url: string;
  eventTypes: string[];
}
export interface WebhookGonePayload {
  userId: string;
  url: string;
  /** webhook.disabled: the last error of the delivery that exhausted its attempts. */
  reason?: string;
}
