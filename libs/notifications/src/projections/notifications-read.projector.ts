import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { NOTIFICATION_CREATED, NOTIFICATION_READ } from '../domain/notification.events.js';
import { projectNotificationEvent, type NotificationReadRow } from './notifications-read.projection.js';

interface DbRow {
  id: string;
  user_id: string;
  type: NotificationReadRow['type'];
  title: string;
  body: string;
  data: NotificationReadRow['data'];
  created_at: Date;
  read_at: Date | null;
}

/** Keeps notifications_read from notification.created and notification.read, in the engine's transaction. */
@Injectable()
@EventConsumer()
export class NotificationsReadProjector extends Projector {
  readonly name = 'notifications_read';
  readonly eventTypes = [NOTIFICATION_CREATED, NOTIFICATION_READ] as const;

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.transactions.run(async (tx) => {
      const rows = await tx.query<DbRow[]>('SELECT id, user_id, type, title, body, data, created_at, read_at FROM notifications_read WHERE id = $1::uuid FOR UPDATE', event.aggregateId);
      const r = rows[0];
      const current: NotificationReadRow | null = r ? { id: r.id, userId: r.user_id, type: r.type, title: r.title, body: r.body, data: r.data, createdAt: r.created_at, readAt: r.read_at } : null;
      const next = projectNotificationEvent(current, event);
      if (!next) return;
      await tx.execute(
        `INSERT INTO notifications_read (id, user_id, type, title, body, data, created_at, read_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7::timestamptz, $8::timestamptz)
         ON CONFLICT (id) DO UPDATE SET read_at = EXCLUDED.read_at`,
        next.id, next.userId, next.type, next.title, next.body, JSON.stringify(next.data), next.createdAt, next.readAt,
      );
    });
  }

  async reset(): Promise<void> {
    await this.transactions.run((tx) => tx.execute('DELETE FROM notifications_read'));
  }
}
