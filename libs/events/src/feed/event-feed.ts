import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { TransactionRunner } from '@app/platform';
import { afterPoint, belowHorizon, type LogPoint, START, transactionIdOf } from '../engine/event-log.js';

export interface FeedItem {
  id: string;
  type: string;
  position: string;
  aggregateId: string;
  occurredAt: string;
  payload: unknown;
}

export interface FeedPage {
  items: FeedItem[];
  nextCursor: string | null;
}

/** A feed item and the commit-order point it stands at (its cursor). */
export interface FeedEntry {
  at: LogPoint;
  item: FeedItem;
}

export interface FeedQuery {
  type?: string;
  /** Only events after this point of the commit order. */
  after?: LogPoint;
  limit: number;
}

/**
 * A feed cursor (`after`, `nextCursor`, the SSE `id`): the commit-order point of the last event
 * seen, `<transaction id>.<position>` in base64url, opaque to clients.
 */
export function formatFeedCursor(point: LogPoint): string {
  return Buffer.from(`${point.transactionId}.${point.position}`).toString('base64url');
}

/** The point a cursor names, or undefined when it is not one this API made. */
export function parseFeedCursor(cursor: string): LogPoint | undefined {
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(cursor)) return undefined;
  const m = /^(\d{1,20})\.(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) return undefined;
  const point = { transactionId: BigInt(m[1]), position: BigInt(m[2]) };
  return point.transactionId < 2n ** 64n && point.position < 2n ** 63n ? point : undefined;
}

/**
 * The caller's own events (those their requests caused: `metadata.actor`) in commit order, the
 * engine's order: by (transaction id, position), only events whose transaction is older than
 * every open one. A transaction still open, or one that commits later, has a larger id than
 * every event shown, so a cursor never passes an event that appears later, even when one user's
 * two transactions commit out of position order (docs/decisions/0010).
 */
@Injectable()
export class EventFeed {
  constructor(private readonly transactions: TransactionRunner) {}

  async page(actor: string, query: FeedQuery): Promise<FeedPage> {
    const entries = await this.read(actor, query.after, query.limit + 1, query.type);
    const page = entries.slice(0, query.limit);
    return {
      items: page.map((e) => e.item),
      nextCursor: entries.length > query.limit ? formatFeedCursor(page[page.length - 1].at) : null,
    };
  }

  /**
   * The point a cursor names: one this API made, or a bare position, the cursor of earlier
   * versions (an EventSource reconnecting across an upgrade resends one): the point of the event
   * at that position (0: the start). Undefined when it is neither.
   */
  async resolveCursor(cursor: string): Promise<LogPoint | undefined> {
    if (!/^\d{1,18}$/.test(cursor)) return parseFeedCursor(cursor);
    if (BigInt(cursor) === 0n) return { transactionId: 0n, position: 0n };
    const row = await this.transactions.db
      .selectFrom('events')
      .select(transactionIdOf())
      .where('position', '=', BigInt(cursor))
      .executeTakeFirst();
    return row ? { transactionId: row.transaction_id, position: BigInt(cursor) } : undefined;
  }

  async read(actor: string, after: LogPoint | undefined, limit: number, type?: string): Promise<FeedEntry[]> {
    let query = this.transactions.db
      .selectFrom('events')
      .select(['id', 'type', 'position', 'aggregate_id', 'occurred_at', 'payload', transactionIdOf()])
      .where(sql<string>`metadata->>'actor'`, '=', actor)
      .where(afterPoint(after ?? START))
      .where(belowHorizon);
    if (type !== undefined) query = query.where('type', '=', type);
    const rows = await query
      .orderBy(sql`transaction_id`)
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      at: { transactionId: r.transaction_id, position: r.position },
      item: {
        id: r.id,
        type: r.type,
        position: r.position.toString(),
        aggregateId: r.aggregate_id,
        occurredAt: r.occurred_at.toISOString(),
        payload: r.payload,
      },
    }));
  }
}
