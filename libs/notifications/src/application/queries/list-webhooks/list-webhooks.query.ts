import { Query } from '@nestjs/cqrs';
import type { WebhookView } from '../../../ports/webhook.read-model.js';

export class ListWebhooksQuery extends Query<{ items: WebhookView[] }> {
  constructor(readonly userId: string) {
    super();
  }
}
