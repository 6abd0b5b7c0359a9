import { Query } from '@nestjs/cqrs';
import type { SettingsView } from '../../../ports/notification.read-model.js';

export class GetNotificationSettingsQuery extends Query<SettingsView> {
  constructor(readonly userId: string) {
    super();
  }
}
