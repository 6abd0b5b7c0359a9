import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { TransactionRunner } from '@app/platform';
import type { AttemptResult } from '../domain/webhook-delivery.js';
import type { WebhookEndpoint } from '../domain/webhook.js';
import { type ClaimedDelivery, WebhookDeliveryStore } from '../ports/webhook-delivery.store.js';
import { toEndpoint } from './kysely-webhook.repository.js';
import { stableId } from './stable-ids.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

const errorOf = (result: AttemptResult) => (result.ok ? null : result.error.slice(0, 1000));

/** `webhook_deliveries` through Kysely (docs/decisions/0073). */
@Injectable()
export class KyselyWebhookDeliveryStore extends WebhookDeliveryStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'WebhookDeliveryStore');
  }

  async enqueue(event: { id: string; type: string; ownerId: string; body: string }): Promise<number> {
    const endpoints = await this.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('user_id', '=', event.ownerId)
      .where('status', '=', 'active')
      .where(sql<boolean>`${event.type} = ANY(event_types)`)
      .execute();
    if (endpoints.length === 0) return 0;
    const now = new Date();
    const result = await this.db
      .insertInto('webhook_deliveries')
      .values(
        endpoints.map((e) => ({
          id: stableId(`webhook_delivery|${e.id}|${event.id}`),
          endpoint_id: e.id,
          event_id: event.id,
          event_type: event.type,
          body: event.body,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async claim(exceptEndpoints: string[], leaseMs: number): Promise<ClaimedDelivery | null> {
    const { rows } = await sql<{
      id: string;
      endpoint_id: string;
      body: string;
      attempts: number;
      user_id: string;
      url: string;
      secret: string;
    }>`
      UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
        FROM webhook_endpoints e
       WHERE e.id = d.endpoint_id
         AND d.id = (SELECT c.id FROM webhook_deliveries c JOIN webhook_endpoints ce ON ce.id = c.endpoint_id
                      WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND ce.status = 'active' AND NOT (c.endpoint_id = ANY(${exceptEndpoints}::uuid[]))
                      ORDER BY c.next_attempt_at, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED)
      RETURNING d.id, d.endpoint_id, d.body, d.attempts, e.user_id, e.url, e.secret`.execute(this.transactions.db);
    const r = rows[0];
    return r
      ? {
          id: r.id,
          endpointId: r.endpoint_id,
          userId: r.user_id,
          url: r.url,
          secret: r.secret,
          body: r.body,
          attempts: r.attempts,
        }
      : null;
  }

  private atClaim(d: ClaimedDelivery) {
    return this.db
      .updateTable('webhook_deliveries')
      .where('id', '=', d.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', d.attempts);
  }

  async delivered(d: ClaimedDelivery, status: number): Promise<void> {
    await this.atClaim(d)
      .set({ status: 'delivered', delivered_at: new Date(), last_status: status, last_error: null })
      .execute();
  }

  async retryAt(d: ClaimedDelivery, at: Date, result: AttemptResult): Promise<void> {
    await this.atClaim(d)
      .set({ next_attempt_at: at, last_status: result.status, last_error: errorOf(result) })
      .execute();
  }

  async dead(d: ClaimedDelivery, result: AttemptResult): Promise<WebhookEndpoint | null> {
    const marked = await this.atClaim(d)
      .set({ status: 'dead', last_status: result.status, last_error: errorOf(result) })
      .executeTakeFirst();
    if (marked.numUpdatedRows !== 1n) return null;
    const disabled = await this.db
      .updateTable('webhook_endpoints')
      .set({ status: 'disabled', disabled_at: new Date() })
      .where('id', '=', d.endpointId)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    if (!disabled) return null;
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'dead', last_error: 'not attempted: the webhook was disabled' })
      .where('endpoint_id', '=', d.endpointId)
      .where('status', '=', 'pending')
      .where('attempts', '=', 0)
      .execute();
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'dead' })
      .where('endpoint_id', '=', d.endpointId)
      .where('status', '=', 'pending')
      .execute();
    return toEndpoint(disabled);
  }
}
