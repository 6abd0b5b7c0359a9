import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { webhookNotFound } from '../../../domain/webhook.js';
import { WebhookReadModel } from '../../../ports/webhook.read-model.js';
import { decodeCursor, encodeCursor } from '../keyset-cursor.js';
import { ListWebhookDeliveriesQuery, type DeliveryPage } from './list-webhook-deliveries.query.js';

/** A webhook's deliveries, newest first (status=dead: its dead letters); another user's webhook is 404. */
@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveriesQuery> {
  constructor(private readonly read: WebhookReadModel) {}

  async execute(q: ListWebhookDeliveriesQuery): Promise<DeliveryPage> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (!(await this.read.owns(q.userId, q.webhookId))) throw webhookNotFound(q.webhookId);
    const rows = await this.read.deliveries({
      userId: q.userId,
      webhookId: q.webhookId,
      status: q.status,
      limit: q.limit,
      after,
    });
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(items[items.length - 1]) : null };
  }
}
