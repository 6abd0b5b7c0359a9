import { Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
import type { WebhookEndpoint } from '../domain/webhook.js';
import { WebhookRepository } from '../ports/webhook.repository.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

export const toEndpoint = (r: Selectable<DB['webhook_endpoints']>): WebhookEndpoint => ({
  id: r.id,
  userId: r.user_id,
  url: r.url,
  eventTypes: (r.event_types ?? []) as WebhookEndpoint['eventTypes'],
  status: r.status === 'disabled' ? 'disabled' : 'active',
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

/** `webhook_endpoints` through Kysely, in the open unit of work. */
@Injectable()
export class KyselyWebhookRepository extends WebhookRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'WebhookRepository');
  }

  async lockOwner(userId: string): Promise<void> {
    // A transaction-scoped advisory lock per user: concurrent registrations count one after the other.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`webhooks:${userId}`}, 0))`.execute(this.db);
  }

  async countOwned(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insert(e: WebhookEndpoint, secret: string): Promise<void> {
    await this.db
      .insertInto('webhook_endpoints')
      .values({
        id: e.id,
        user_id: e.userId,
        url: e.url,
        event_types: e.eventTypes,
        secret,
        status: e.status,
        created_at: e.createdAt,
        disabled_at: e.disabledAt,
      })
      .execute();
  }

  async findOwned(id: string, userId: string): Promise<WebhookEndpoint | null> {
    const r = await this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    return r ? toEndpoint(r) : null;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
  }
}
