import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { KyselyWebhookDeliveryStore } from './adapters/kysely-webhook-delivery.store.js';
import { WebhookDispatcher } from './adapters/webhook-dispatcher.js';
import { WebhookWakeUp } from './adapters/webhook-wake-up.js';
import { NotificationsPersistenceModule } from './notifications-persistence.module.js';
import { WebhookDeliveryStore } from './ports/webhook-delivery.store.js';
import { NotificationsReadProjector } from './projections/notifications-read.projector.js';
import { ReminderNotificationsSubscriber } from './reminders/reminder-notifications.subscriber.js';
import { ReminderSchedulingSubscriber } from './reminders/reminder-scheduling.subscriber.js';
import { WebhookDeliveriesSubscriber } from './webhooks/webhook-deliveries.subscriber.js';

/**
 * The notifications slice's background side, imported by WorkerModule: the reminder scheduler
 * (task events -> durable timers), the in-app notifications of fired reminders, and the
 * notifications_read projector, the webhook deliveries (queued by a subscriber, sent by the
 * dispatcher); the events engine discovers the consumers by @EventConsumer().
 */
@Module({
  imports: [EventsModule, NotificationsPersistenceModule],
  providers: [
    ReminderSchedulingSubscriber,
    ReminderNotificationsSubscriber,
    NotificationsReadProjector,
    { provide: WebhookDeliveryStore, useClass: KyselyWebhookDeliveryStore },
    WebhookWakeUp,
    WebhookDeliveriesSubscriber,
    WebhookDispatcher,
  ],
})
export class NotificationsWorkerModule {}
