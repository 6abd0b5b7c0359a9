import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@app/shared-kernel';
import { NotificationReadModel, type EmailView } from '../../../ports/notification.read-model.js';
import { GetNotificationEmailQuery } from './get-notification-email.query.js';

/** The email made of the caller's notification; 404 when there is none (email off, no address, not yet made) or it is not theirs. */
@QueryHandler(GetNotificationEmailQuery)
export class GetNotificationEmailHandler implements IQueryHandler<GetNotificationEmailQuery> {
  constructor(private readonly read: NotificationReadModel) {}

  async execute(q: GetNotificationEmailQuery): Promise<EmailView> {
    const email = await this.read.email(q.userId, q.notificationId);
    if (!email) throw new DomainError('not_found', 'email-not-found', `Notification ${q.notificationId} has no email.`);
    return email;
  }
}
