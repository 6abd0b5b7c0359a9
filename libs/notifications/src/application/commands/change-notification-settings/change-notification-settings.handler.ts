import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { changeSettings, type NotificationSettings } from '../../../domain/notification-settings.js';
import {
  SETTINGS_AGGREGATE,
  SETTINGS_CHANGED,
  type SettingsChangedPayload,
} from '../../../domain/notification.events.js';
import { NotificationIds } from '../../../ports/notification-ids.js';
import { NotificationSettingsRepository } from '../../../ports/notification-settings.repository.js';
import { ChangeNotificationSettingsCommand } from './change-notification-settings.command.js';

@CommandHandler(ChangeNotificationSettingsCommand)
export class ChangeNotificationSettingsHandler implements ICommandHandler<ChangeNotificationSettingsCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly settings: NotificationSettingsRepository,
    private readonly events: EventStore,
    private readonly ids: NotificationIds,
  ) {}

  execute(cmd: ChangeNotificationSettingsCommand): Promise<NotificationSettings> {
    return this.uow.run(async () => {
      const current = await this.settings.find(cmd.userId);
      const next = changeSettings(current, cmd.change);
      if (!next) return current;
      await this.settings.save(next, current.version);
      const payload: SettingsChangedPayload = {
        userId: next.userId,
        email: next.email,
        reminderLeadMinutes: next.reminderLeadMinutes,
        previousLeadMinutes: current.reminderLeadMinutes,
      };
      await this.events.append([
        {
          type: SETTINGS_CHANGED,
          aggregateType: SETTINGS_AGGREGATE,
          aggregateId: this.ids.settingsOf(next.userId),
          aggregateVersion: next.version,
          payload,
        },
      ]);
      return next;
    });
  }
}
