import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { Clock, SystemClock } from '@app/shared-kernel';
import { KyselyNotificationSettingsRepository } from './adapters/kysely-notification-settings.repository.js';
import { KyselyNotificationRepository } from './adapters/kysely-notification.repository.js';
import { KyselyReminderTaskStore } from './adapters/kysely-reminder-task.store.js';
import { NotificationSettingsRepository } from './ports/notification-settings.repository.js';
import { NotificationRepository } from './ports/notification.repository.js';
import { ReminderTaskStore } from './ports/reminder-task.store.js';

const providers = [
  { provide: NotificationRepository, useClass: KyselyNotificationRepository },
  { provide: NotificationSettingsRepository, useClass: KyselyNotificationSettingsRepository },
  { provide: ReminderTaskStore, useClass: KyselyReminderTaskStore },
  { provide: Clock, useClass: SystemClock },
];

/** The slice's write tables and clock, shared by its HTTP side and its consumers. */
@Module({ imports: [EventsModule], providers, exports: providers.map((p) => p.provide) })
export class NotificationsPersistenceModule {}
