import { Module, type Provider } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { KyselyNotificationReadModel } from './adapters/kysely-notification.read-model.js';
import { StableNotificationIds } from './adapters/stable-ids.js';
import { ChangeNotificationSettingsHandler } from './application/commands/change-notification-settings/change-notification-settings.handler.js';
import { MarkNotificationReadHandler } from './application/commands/mark-notification-read/mark-notification-read.handler.js';
import { GetNotificationSettingsHandler } from './application/queries/get-notification-settings/get-notification-settings.handler.js';
import { ListNotificationsHandler } from './application/queries/list-notifications/list-notifications.handler.js';
import { NotificationSettingsController } from './http/notification-settings.controller.js';
import { NotificationsController } from './http/notifications.controller.js';
import { NotificationIds } from './ports/notification-ids.js';
import { NotificationReadModel } from './ports/notification.read-model.js';
import { NotificationsPersistenceModule } from './notifications-persistence.module.js';

const providers: Provider[] = [
  { provide: NotificationReadModel, useClass: KyselyNotificationReadModel },
  { provide: NotificationIds, useClass: StableNotificationIds },
  MarkNotificationReadHandler,
  ChangeNotificationSettingsHandler,
  ListNotificationsHandler,
  GetNotificationSettingsHandler,
];

/** The notifications slice's HTTP side (docs/decisions/0072). Its consumers live in NotificationsWorkerModule. */
@Module({
  imports: [EventsModule, NotificationsPersistenceModule],
  controllers: [NotificationsController, NotificationSettingsController],
  providers,
})
export class NotificationsModule {}
