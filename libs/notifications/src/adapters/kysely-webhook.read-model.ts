import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import {
  type DeliveryListCriteria,
  type DeliveryView,
  WebhookReadModel,
  type WebhookView,
} from '../ports/webhook.read-model.js';
import { toEndpoint } from './kysely-webhook.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Webhooks and their deliveries through Kysely (the write tables, read directly: they are the user's own few rows). */
@Injectable()
export class KyselyWebhookReadModel extends WebhookReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async list(userId: string): Promise<WebhookView[]> {
    const db = this.transactions.db;
    const rows = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const counts = rows.length
      ? await db
          .selectFrom('webhook_deliveries')
          .select(['endpoint_id', 'status', (eb) => eb.fn.countAll<string>().as('n')])
          .where(
            'endpoint_id',
            'in',
            rows.map((r) => r.id),
          )
          .groupBy(['endpoint_id', 'status'])
          .execute()
      : [];
    return rows.map((r) => {
      const e = toEndpoint(r);
      const of = (status: string) => Number(counts.find((c) => c.endpoint_id === r.id && c.status === status)?.n ?? 0);
      return {
        id: e.id,
        url: e.url,
        eventTypes: e.eventTypes,
        status: e.status,
        createdAt: e.createdAt.toISOString(),
        disabledAt: iso(e.disabledAt),
        deliveries: { pending: of('pending'), delivered: of('delivered'), dead: of('dead') },
      };
    });
  }

  async owns(userId: string, webhookId: string): Promise<boolean> {
    const r = await this.transactions.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('id', '=', webhookId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r !== undefined;
  }

  async deliveries(c: DeliveryListCriteria): Promise<DeliveryView[]> {
    let query = this.transactions.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', c.webhookId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(c.limit + 1);
    if (c.status) query = query.where('status', '=', c.status);
    if (c.after) {
      const { createdAt, id } = c.after;
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(new Date(createdAt), id)));
    }
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status as DeliveryView['status'],
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
      lastStatus: r.last_status,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      deliveredAt: iso(r.delivered_at),
    }));
  }
}
