import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { WebhookReadModel, type WebhookView } from '../../../ports/webhook.read-model.js';
import { ListWebhooksQuery } from './list-webhooks.query.js';

/** The caller's webhooks (at most five: no pagination), oldest first, without their secrets. */
@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery> {
  constructor(private readonly read: WebhookReadModel) {}

  async execute(q: ListWebhooksQuery): Promise<{ items: WebhookView[] }> {
    return { items: await this.read.list(q.userId) };
  }
}
