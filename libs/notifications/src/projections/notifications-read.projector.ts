import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { NOTIFICATION_CREATED, NOTIFICATION_READ } from '../domain/notification.events.js';
import { projectNotificationEvent, type NotificationReadRow } from './notifications-read.projection.js';

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
    await this.transactions.run(async () => {
      const db = this.transactions.db;
      const r = await db
        .selectFrom('notifications_read')
        .selectAll()
        .where('id', '=', event.aggregateId)
        .forUpdate()
        .executeTakeFirst();
      const current: NotificationReadRow | null = r
        ? {
            id: r.id,
            userId: r.user_id,
            type: r.type as NotificationReadRow['type'],
            title: r.title,
            body: r.body,
            data: r.data as NotificationReadRow['data'],
            createdAt: r.created_at,
            readAt: r.read_at,
          }
        : null;
      const next = projectNotificationEvent(current, event);
      if (!next) return;
      await db
        .insertInto('notifications_read')
        .values({
          id: next.id,
          user_id: next.userId,
          type: next.type,
          title: next.title,
          body: next.body,
          data: next.data,
          created_at: next.createdAt,
          read_at: next.readAt,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ read_at: eb.ref('excluded.read_at') })))
        .execute();
    });
  }

  async reset(): Promise<void> {
    await this.transactions.run(async () => {
      await this.transactions.db.deleteFrom('notifications_read').execute();
    });
  }
}
