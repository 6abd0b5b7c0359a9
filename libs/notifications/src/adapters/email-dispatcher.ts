import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, TransactionRunner } from '@app/platform';
import { Clock } from '@app/shared-kernel';
import { backoffMs } from '../domain/webhook-delivery.js';
import { EmailMessageStore } from '../ports/email-message.store.js';
import { SendWakeUp } from './send-wake-up.js';
import { SmtpMailer } from './smtp-mailer.js';

/** How long an email attempt may take before its lease runs out and another worker may send it again. */
const SEND_TIMEOUT_MS = 30_000;

/**
 * Sends the pending emails over SMTP when SMTP_URL is set (docs/decisions/0072): at least once. An
 * email is leased, sent outside any transaction, then marked sent; a crash between the two sends it
 * again with the same Message-ID, which receivers use to drop the duplicate. A failure is retried
 * with the webhooks' backoff, up to EMAIL_MAX_ATTEMPTS, then marked failed.
 */
@Injectable()
export class EmailDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmailDispatcher.name);
  private readonly mailer?: SmtpMailer;
  private stopSending?: () => Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly emails: EmailMessageStore,
    private readonly clock: Clock,
    private readonly wakeUp: SendWakeUp,
  ) {
    const { smtpUrl, mailFrom } = config.notifications;
    if (smtpUrl) this.mailer = new SmtpMailer(smtpUrl, mailFrom, SEND_TIMEOUT_MS);
  }

  onApplicationBootstrap(): void {
    if (!this.mailer) return;
    const warn = (message: string) => this.logger.warn(`email loop: ${message}`);
    this.stopSending = this.wakeUp.start(1, () => this.sendOne(), this.config.notifications.pollIntervalMs, warn);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSending?.();
    this.mailer?.close();
  }

  /** One email attempt; false when nothing was due. */
  private async sendOne(): Promise<boolean> {
    const email = await this.emails.claim(SEND_TIMEOUT_MS + 30_000);
    if (!email) return false;
    let error: string | undefined;
    try {
      await this.mailer!.send(email);
    } catch (err) {
      error = (err as Error).message;
    }
    await this.transactions.run(async () => {
      if (error === undefined) return this.emails.sent(email);
      if (email.attempts >= this.config.notifications.emailMaxAttempts) return this.emails.failed(email, error);
      return this.emails.retryAt(
        email,
        new Date(this.clock.now().getTime() + backoffMs(email.attempts, this.config.notifications.retryBaseMs)),
        error,
      );
    });
    return true;
  }
}
