import { Query } from '@nestjs/cqrs';
import type { EmailView } from '../../../ports/notification.read-model.js';

export class GetNotificationEmailQuery extends Query<EmailView> {
  constructor(
    readonly userId: string,
    readonly notificationId: string,
  ) {
    super();
  }
}
