import { Module, type Provider } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { AppConfig } from '@app/platform';
import { KyselyNotificationReadModel } from './adapters/kysely-notification.read-model.js';
import { KyselyWebhookReadModel } from './adapters/kysely-webhook.read-model.js';
import { KyselyWebhookRepository } from './adapters/kysely-webhook.repository.js';
import { RandomWebhookSecrets } from './adapters/random-webhook-secrets.js';
import { StableNotificationIds } from './adapters/stable-ids.js';
import { ChangeNotificationSettingsHandler } from './application/commands/change-notification-settings/change-notification-settings.handler.js';
import { CreateWebhookHandler } from './application/commands/create-webhook/create-webhook.handler.js';
import { DeleteWebhookHandler } from './application/commands/delete-webhook/delete-webhook.handler.js';
import { MarkNotificationReadHandler } from './application/commands/mark-notification-read/mark-notification-read.handler.js';
import { GetNotificationEmailHandler } from './application/queries/get-notification-email/get-notification-email.handler.js';
import { GetNotificationSettingsHandler } from './application/queries/get-notification-settings/get-notification-settings.handler.js';
import { ListWebhookDeliveriesHandler } from './application/queries/list-webhook-deliveries/list-webhook-deliveries.handler.js';
import { ListWebhooksHandler } from './application/queries/list-webhooks/list-webhooks.handler.js';
import { ListNotificationsHandler } from './application/queries/list-notifications/list-notifications.handler.js';
import { NotificationSettingsController } from './http/notification-settings.controller.js';
import { NotificationsController } from './http/notifications.controller.js';
import { WebhooksController } from './http/webhooks.controller.js';
import { NotificationIds } from './ports/notification-ids.js';
import { NotificationReadModel } from './ports/notification.read-model.js';
import { NotificationsPersistenceModule } from './notifications-persistence.module.js';
import { WebhookReadModel } from './ports/webhook.read-model.js';
import { WebhookRepository } from './ports/webhook.repository.js';
import { WebhookSecrets } from './ports/webhook-secrets.js';
import { WebhookSettings } from './ports/webhook-settings.js';

const providers: Provider[] = [
  { provide: NotificationReadModel, useClass: KyselyNotificationReadModel },
  { provide: NotificationIds, useClass: StableNotificationIds },
  { provide: WebhookRepository, useClass: KyselyWebhookRepository },
  { provide: WebhookReadModel, useClass: KyselyWebhookReadModel },
  { provide: WebhookSecrets, useClass: RandomWebhookSecrets },
  {
    provide: WebhookSettings,
    inject: [AppConfig],
    useFactory: (config: AppConfig): WebhookSettings => ({ allowPrivate: config.notifications.webhooks.allowPrivate }),
  },
  CreateWebhookHandler,
  DeleteWebhookHandler,
  ListWebhooksHandler,
  ListWebhookDeliveriesHandler,
  MarkNotificationReadHandler,
  ChangeNotificationSettingsHandler,
  ListNotificationsHandler,
  GetNotificationSettingsHandler,
  GetNotificationEmailHandler,
];

/** The notifications slice's HTTP side (docs/decisions/0072). Its consumers live in NotificationsWorkerModule. */
@Module({
  imports: [EventsModule, NotificationsPersistenceModule],
  controllers: [NotificationsController, NotificationSettingsController, WebhooksController],
  providers,
})
export class NotificationsModule {}
