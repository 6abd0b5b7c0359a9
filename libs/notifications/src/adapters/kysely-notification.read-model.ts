import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import {
  type EmailView,
  NotificationReadModel,
  type NotificationListCriteria,
  type NotificationView,
  type SettingsView,
} from '../ports/notification.read-model.js';

/**
 * notifications_read through Kysely, newest first, keyset-paginated on (created_at, id) by the
 * (user_id, created_at, id) index: a page costs the same at any depth.
 */
@Injectable()
export class KyselyNotificationReadModel extends NotificationReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async list(c: NotificationListCriteria): Promise<NotificationView[]> {
    let query = this.transactions.db
      .selectFrom('notifications_read')
      .select(['id', 'type', 'title', 'body', 'data', 'created_at', 'read_at'])
      .where('user_id', '=', c.userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(c.limit + 1);
    if (c.unread) query = query.where('read_at', 'is', null);
    if (c.after) {
      const { createdAt, id } = c.after;
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(new Date(createdAt), id)));
    }
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type as NotificationView['type'],
      title: r.title,
      body: r.body,
      data: r.data as NotificationView['data'],
      createdAt: r.created_at.toISOString(),
      readAt: r.read_at ? r.read_at.toISOString() : null,
    }));
  }

  async settings(userId: string): Promise<SettingsView | null> {
    const r = await this.transactions.db
      .selectFrom('notification_settings')
      .select(['email', 'reminder_lead_minutes'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r ? { email: r.email, reminderLeadMinutes: r.reminder_lead_minutes } : null;
  }

  async email(userId: string, notificationId: string): Promise<EmailView | null> {
    const r = await this.transactions.db
      .selectFrom('email_messages')
      .selectAll()
      .where('id', '=', notificationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!r) return null;
    return {
      to: r.to_address,
      subject: r.subject,
      text: r.text,
      html: r.html,
      messageId: r.message_id,
      status: r.status as EmailView['status'],
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at ? r.sent_at.toISOString() : null,
    };
  }
}
