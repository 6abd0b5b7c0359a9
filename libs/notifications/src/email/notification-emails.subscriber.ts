import { Injectable } from '@nestjs/common';
import { EventConsumer, Subscriber, type StoredEvent } from '@app/events';
import { AppConfig, TransactionRunner } from '@app/platform';
import { messageIdFor, renderEmail } from '../domain/notification-email.js';
import { NOTIFICATION_CREATED, type NotificationCreatedPayload } from '../domain/notification.events.js';
import { SendWakeUp } from '../adapters/send-wake-up.js';
import { EmailMessageStore } from '../ports/email-message.store.js';
import { NotificationSettingsRepository } from '../ports/notification-settings.repository.js';

/**
 * Each new notification becomes an email when its user has email on (the default) and an address
 * (from signup): queued for the EmailDispatcher with SMTP_URL set, else stored, visible through
 * `GET /notifications/{id}/email` only. One email per notification: its id and Message-ID are the
 * notification's.
 */
@Injectable()
@EventConsumer()
export class NotificationEmailsSubscriber extends Subscriber {
  readonly name = 'notifications_email';
  readonly eventTypes = [NOTIFICATION_CREATED] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly settings: NotificationSettingsRepository,
    private readonly emails: EmailMessageStore,
    private readonly config: AppConfig,
    private readonly wakeUp: SendWakeUp,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    const n = event.payload as NotificationCreatedPayload;
    await this.transactions.run(async () => {
      if (!(await this.settings.find(n.userId)).email) return;
      const to = await this.emails.addressOf(n.userId);
      if (!to) return;
      const status = this.config.notifications.smtpUrl ? 'pending' : 'stored';
      const queued = await this.emails.enqueue(
        {
          id: event.aggregateId,
          userId: n.userId,
          to,
          messageId: messageIdFor(event.aggregateId),
          ...renderEmail(n.title, n.body),
        },
        status,
      );
      if (queued && status === 'pending') this.transactions.afterCommit(() => this.wakeUp.ring());
    });
  }
}
