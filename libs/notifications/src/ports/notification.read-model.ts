import type { NotificationType } from '../domain/notification.events.js';

/** A row of notifications_read. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, string | number | null>;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationListCriteria {
  userId: string;
  unread?: boolean;
  limit: number;
  /** The last row of the previous page (newest first: createdAt desc, id desc). */
  after?: { createdAt: string; id: string };
}

export interface SettingsView {
  email: boolean;
  reminderLeadMinutes: number;
}

/** A notification's email as stored (sent, pending, failed, or stored only: no SMTP server configured). */
export interface EmailView {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  status: 'pending' | 'sent' | 'stored' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** The read side: queries read notifications_read and the settings directly, skipping the domain. */
export abstract class NotificationReadModel {
  /** Up to `limit + 1` rows, newest first, so the caller knows whether a next page exists. */
  abstract list(criteria: NotificationListCriteria): Promise<NotificationView[]>;
  /** The user's settings, or null when never set. */
  abstract settings(userId: string): Promise<SettingsView | null>;
  /** The email of the user's notification, or null (none made, or not theirs). */
  abstract email(userId: string, notificationId: string): Promise<EmailView | null>;
}
