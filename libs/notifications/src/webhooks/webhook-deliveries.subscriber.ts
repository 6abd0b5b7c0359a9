import { Injectable } from '@nestjs/common';
import { EventConsumer, Subscriber, toCloudEvent, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook.js';
import { SendWakeUp } from '../adapters/send-wake-up.js';
import { WebhookDeliveryStore } from '../ports/webhook-delivery.store.js';

/**
 * Puts each task event and reminder on the deliveries queue of its owner's webhooks that
 * subscribe to its type, as the CloudEvent (JSON) every attempt sends and signs; the sending
 * happens in WebhookDispatcher, outside the engine's transactions.
 */
@Injectable()
@EventConsumer()
export class WebhookDeliveriesSubscriber extends Subscriber {
  readonly name = 'notifications_webhooks';
  readonly eventTypes = WEBHOOK_EVENT_TYPES;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly wakeUp: SendWakeUp,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    const ownerId = (event.payload as { ownerId?: string }).ownerId;
    if (!ownerId) return;
    await this.transactions.run(async () => {
      const added = await this.deliveries.enqueue({
        id: event.id,
        type: event.type,
        ownerId,
        body: JSON.stringify(toCloudEvent(event)),
      });
      if (added > 0) this.transactions.afterCommit(() => this.wakeUp.ring());
    });
  }
}
