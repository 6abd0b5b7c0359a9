import { Command } from '@nestjs/cqrs';
import type { NotificationSettings } from '../../../domain/notification-settings.js';

/** Changes some of the caller's settings; a lead that moves reschedules their reminders (through the event). */
export class ChangeNotificationSettingsCommand extends Command<NotificationSettings> {
  constructor(
    readonly userId: string,
    readonly change: { email?: boolean; reminderLeadMinutes?: number },
  ) {
    super();
  }
}
