import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { defaultSettings } from '../../../domain/notification-settings.js';
import { NotificationReadModel, type SettingsView } from '../../../ports/notification.read-model.js';
import { GetNotificationSettingsQuery } from './get-notification-settings.query.js';

/** The caller's settings; the defaults when never set. */
@QueryHandler(GetNotificationSettingsQuery)
export class GetNotificationSettingsHandler implements IQueryHandler<GetNotificationSettingsQuery> {
  constructor(private readonly read: NotificationReadModel) {}

  async execute(q: GetNotificationSettingsQuery): Promise<SettingsView> {
    const found = await this.read.settings(q.userId);
    if (found) return found;
    const { email, reminderLeadMinutes } = defaultSettings(q.userId);
    return { email, reminderLeadMinutes };
  }
}
