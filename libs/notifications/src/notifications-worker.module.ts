import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { NotificationsPersistenceModule } from './notifications-persistence.module.js';
import { NotificationsReadProjector } from './projections/notifications-read.projector.js';
import { ReminderNotificationsSubscriber } from './reminders/reminder-notifications.subscriber.js';
import { ReminderSchedulingSubscriber } from './reminders/reminder-scheduling.subscriber.js';

/**
 * The notifications slice's background side, imported by WorkerModule: the reminder scheduler
 * (task events -> durable timers), the in-app notifications of fired reminders, and the
 * notifications_read projector; the events engine discovers them by @EventConsumer().
 */
@Module({
  imports: [EventsModule, NotificationsPersistenceModule],
  providers: [ReminderSchedulingSubscriber, ReminderNotificationsSubscriber, NotificationsReadProjector],
})
export class NotificationsWorkerModule {}
