import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { EmailDispatcher } from './adapters/email-dispatcher.js';
import { KyselyEmailMessageStore } from './adapters/kysely-email-message.store.js';
import { KyselyWebhookDeliveryStore } from './adapters/kysely-webhook-delivery.store.js';
import { WebhookDispatcher } from './adapters/webhook-dispatcher.js';
import { SendWakeUp } from './adapters/send-wake-up.js';
import { NotificationEmailsSubscriber } from './email/notification-emails.subscriber.js';
import { NotificationsPersistenceModule } from './notifications-persistence.module.js';
import { EmailMessageStore } from './ports/email-message.store.js';
import { WebhookDeliveryStore } from './ports/webhook-delivery.store.js';
import { NotificationRecipientsProjector } from './projections/notification-recipients.projector.js';
import { NotificationsReadProjector } from './projections/notifications-read.projector.js';
import { ReminderNotificationsSubscriber } from './reminders/reminder-notifications.subscriber.js';
import { ReminderSchedulingSubscriber } from './reminders/reminder-scheduling.subscriber.js';
import { WebhookDeliveriesSubscriber } from './webhooks/webhook-deliveries.subscriber.js';

/**
 * The notifications slice's background side, imported by WorkerModule: the reminder scheduler
 * (task events -> durable timers), the in-app notifications of fired reminders, and the
 * notifications_read projector, the webhook deliveries (queued by a subscriber, sent by the
 * dispatcher), and the emails (addresses from signup's events, queued by a subscriber, sent by
 * the email dispatcher when SMTP_URL is set); the events engine discovers the consumers by
 * @EventConsumer().
 */
@Module({
  imports: [EventsModule, NotificationsPersistenceModule],
  providers: [
    ReminderSchedulingSubscriber,
    ReminderNotificationsSubscriber,
    NotificationsReadProjector,
    { provide: WebhookDeliveryStore, useClass: KyselyWebhookDeliveryStore },
    SendWakeUp,
    WebhookDeliveriesSubscriber,
    WebhookDispatcher,
    NotificationRecipientsProjector,
    { provide: EmailMessageStore, useClass: KyselyEmailMessageStore },
    NotificationEmailsSubscriber,
    EmailDispatcher,
  ],
})
export class NotificationsWorkerModule {}
