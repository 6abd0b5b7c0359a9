import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventStore } from '@app/events';
import { AppConfig, TransactionRunner } from '@app/platform';
import { Clock } from '@app/shared-kernel';
import { recordNotification } from '../application/record-notification.js';
import { WEBHOOK_AGGREGATE, WEBHOOK_DISABLED, type WebhookGonePayload } from '../domain/notification.events.js';
import { webhookDisabledText } from '../domain/notification-texts.js';
import { afterAttempt, type AttemptResult } from '../domain/webhook-delivery.js';
import { NotificationRepository } from '../ports/notification.repository.js';
import { type ClaimedDelivery, WebhookDeliveryStore } from '../ports/webhook-delivery.store.js';
import { signedHeaders } from './standard-webhooks-signature.js';
import { stableId } from './stable-ids.js';
import { WebhookSender } from './webhook-sender.js';
import { SendWakeUp } from './send-wake-up.js';

/**
 * Sends the webhook deliveries (docs/decisions/0073): WEBHOOK_CONCURRENCY loops per worker, each
 * taking the oldest due delivery of an endpoint no other loop of this process is sending to,
 * sending it outside any transaction, then recording the outcome in a short one: delivered, retried
 * after a backoff, or dead after WEBHOOK_MAX_ATTEMPTS, which disables the endpoint and tells its
 * owner with an in-app notification. A slow or failing endpoint holds at most one loop at a time,
 * for at most WEBHOOK_TIMEOUT_MS, and its retries wait on its own rows: nobody else's deliveries.
 * Any number of workers share the queue (rows are claimed with SKIP LOCKED and leased).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<string>();
  private stopSending?: () => Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly store: WebhookDeliveryStore,
    private readonly notifications: NotificationRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly wakeUp: SendWakeUp,
  ) {
    const { timeoutMs, maxResponseBytes, allowPrivate } = config.notifications.webhooks;
    this.sender = new WebhookSender({ timeoutMs, maxResponseBytes, allowPrivate });
  }

  onApplicationBootstrap(): void {
    const { concurrency } = this.config.notifications.webhooks;
    const warn = (message: string) => this.logger.warn(`webhook delivery loop: ${message}`);
    this.stopSending = this.wakeUp.start(
      concurrency,
      () => this.sendOne(),
      this.config.notifications.pollIntervalMs,
      warn,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSending?.();
    this.sender.close();
  }

  /** One delivery attempt; false when nothing was due. */
  async sendOne(): Promise<boolean> {
    const { timeoutMs } = this.config.notifications.webhooks;
    const delivery = await this.store.claim([...this.inFlight], timeoutMs + 30_000);
    if (!delivery) return false;
    this.inFlight.add(delivery.endpointId);
    try {
      const timestamp = Math.floor(this.clock.now().getTime() / 1000);
      const result = await this.sender.send(
        delivery.url,
        signedHeaders(delivery.secret, delivery.id, timestamp, delivery.body),
        delivery.body,
      );
      await this.record(delivery, result);
    } finally {
      this.inFlight.delete(delivery.endpointId);
    }
    return true;
  }

  private async record(d: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const { maxAttempts } = this.config.notifications.webhooks;
    const now = this.clock.now();
    const next = afterAttempt(result, d.attempts, maxAttempts, this.config.notifications.retryBaseMs, now);
    await this.transactions.run(async () => {
      if (next.kind === 'delivered') return this.store.delivered(d, result.status ?? 0);
      if (next.kind === 'retry') return this.store.retryAt(d, next.at, result);
      const disabled = await this.store.dead(d, result);
      if (!disabled) return;
      const reason = result.ok ? `HTTP ${result.status}` : result.error;
      const payload: WebhookGonePayload = { userId: disabled.userId, url: disabled.url, reason };
      await this.events.append([
        {
          type: WEBHOOK_DISABLED,
          aggregateType: WEBHOOK_AGGREGATE,
          aggregateId: disabled.id,
          aggregateVersion: 2,
          payload,
        },
      ]);
      await recordNotification(this.notifications, this.events, {
        id: stableId(`notification|webhook_disabled|${disabled.id}`),
        userId: disabled.userId,
        type: 'webhook_disabled',
        ...webhookDisabledText(disabled.url, reason),
        data: { webhookId: disabled.id, url: disabled.url },
        createdAt: now,
        readAt: null,
        version: 1,
      });
    });
  }
}
