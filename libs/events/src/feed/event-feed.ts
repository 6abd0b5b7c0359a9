import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';

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

export interface FeedQuery {
  type?: string;
  /** Only events after this position. */
  after?: bigint;
  limit: number;
}

/**
 * The caller's own events (those their requests caused: `metadata.actor`), by position. Only
 * events whose transaction is older than every open one are shown, so a page never shows an
 * event while an earlier-started write could still appear before it (docs/decisions/0015).
 */
@Injectable()
export class EventFeed {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  async page(actor: string, query: FeedQuery): Promise<FeedPage> {
    const rows = await this.read(actor, query.after ?? 0n, query.limit + 1, query.type);
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].position : null };
  }

  async read(actor: string, after: bigint, limit: number, type?: string): Promise<FeedItem[]> {
    const { rows } = await this.pool.query<{ id: string; type: string; position: string; aggregate_id: string; occurred_at: Date; payload: unknown }>(
      `SELECT id, type, position::text AS position, aggregate_id, occurred_at, payload FROM events
        WHERE metadata->>'actor' = $1 AND position > $2::bigint AND ($3::text IS NULL OR type = $3)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY position LIMIT $4`,
      [actor, after.toString(), type ?? null, limit],
    );
    return rows.map((r) => ({ id: r.id, type: r.type, position: r.position, aggregateId: r.aggregate_id, occurredAt: r.occurred_at.toISOString(), payload: r.payload }));
  }
}
