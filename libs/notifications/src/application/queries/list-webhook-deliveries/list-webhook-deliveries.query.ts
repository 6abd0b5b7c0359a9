import { Query } from '@nestjs/cqrs';
import type { DeliveryView } from '../../../ports/webhook.read-model.js';

export interface DeliveryPage {
  items: DeliveryView[];
  nextCursor: string | null;
}

export class ListWebhookDeliveriesQuery extends Query<DeliveryPage> {
  constructor(
    readonly userId: string,
    readonly webhookId: string,
    readonly status: DeliveryView['status'] | undefined,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
