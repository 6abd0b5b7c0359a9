import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { Clock, SystemClock } from '@app/shared-kernel';
import { KyselyNotificationSettingsRepository } from './adapters/kysely-notification-settings.repository.js';
import { KyselyNotificationRepository } from './adapters/kysely-notification.repository.js';
import { KyselyReminderTaskStore } from './adapters/kysely-reminder-task.store.js';
import { NotificationSettingsRepository } from './ports/notification-settings.repository.js';
import { NotificationRepository } from './ports/notification.repository.js';
import { ReminderTaskStore } from './ports/reminder-task.store.js';
import { NotificationsReadProjector } from './projections/notifications-read.projector.js';
import { ReminderNotificationsSubscriber } from './reminders/reminder-notifications.subscriber.js';
import { ReminderSchedulingSubscriber } from './reminders/reminder-scheduling.subscriber.js';

/**
 * The notifications slice's background side, imported by WorkerModule: the reminder scheduler
 * (task events -> durable timers), the in-app notifications of fired reminders, and the
 * notifications_read projector; the events engine discovers them by @EventConsumer().
 */
@Module({
  imports: [EventsModule],
  providers: [
    { provide: ReminderTaskStore, useClass: KyselyReminderTaskStore },
    { provide: NotificationSettingsRepository, useClass: KyselyNotificationSettingsRepository },
    { provide: NotificationRepository, useClass: KyselyNotificationRepository },
    { provide: Clock, useClass: SystemClock },
    ReminderSchedulingSubscriber,
    ReminderNotificationsSubscriber,
    NotificationsReadProjector,
  ],
})
export class NotificationsWorkerModule {}
