import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { NotificationReadModel, type NotificationListCriteria, type NotificationView, type SettingsView } from '../ports/notification.read-model.js';

interface Row {
  id: string;
  type: NotificationView['type'];
  title: string;
  body: string;
  data: NotificationView['data'];
  created_at: Date;
  read_at: Date | null;
}

/**
 * notifications_read through the pg pool, newest first, keyset-paginated on (created_at, id) by
 * the (user_id, created_at, id) index: a page costs the same at any depth.
 */
@Injectable()
export class PgNotificationReadModel extends NotificationReadModel {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {
    super();
  }

  async list(c: NotificationListCriteria): Promise<NotificationView[]> {
    // Four constant statements (unread or not, first page or not), each an index range scan.
    const where = ['user_id = $1::uuid', c.unread ? 'read_at IS NULL' : 'true', c.after ? '(created_at, id) < ($3::timestamptz, $4::uuid)' : '$3::text IS NULL AND $4::text IS NULL'];
    const { rows } = await this.pool.query<Row>(
      `SELECT id, type, title, body, data, created_at, read_at FROM notifications_read WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
      [c.userId, c.limit + 1, c.after?.createdAt ?? null, c.after?.id ?? null],
    );
    return rows.map((r) => ({ id: r.id, type: r.type, title: r.title, body: r.body, data: r.data, createdAt: r.created_at.toISOString(), readAt: r.read_at ? r.read_at.toISOString() : null }));
  }

  async settings(userId: string): Promise<SettingsView | null> {
    const { rows } = await this.pool.query<{ email: boolean; reminder_lead_minutes: number }>('SELECT email, reminder_lead_minutes FROM notification_settings WHERE user_id = $1::uuid', [userId]);
    return rows[0] ? { email: rows[0].email, reminderLeadMinutes: rows[0].reminder_lead_minutes } : null;
  }
}
