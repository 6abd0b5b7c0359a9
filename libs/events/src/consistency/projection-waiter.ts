import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import type { LogPoint } from '../engine/event-log.js';

/**
 * Read-your-writes: waits until the named projections' checkpoints are at or past a point of the
 * log (a consistency token), polling the checkpoints (10 ms, backing off to 50 ms).
 */
@Injectable()
export class ProjectionWaiter {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  /** True once every projection in `projections` has reached `point`; false after `timeoutMs`. */
  async waitFor(point: LogPoint, projections: readonly string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(50, delay * 1.5)) {
      if (await this.reached(point, projections)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    }
  }

  async reached(point: LogPoint, projections: readonly string[]): Promise<boolean> {
    if (projections.length === 0) return true;
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM consumer_checkpoints
        WHERE consumer = ANY($1::text[]) AND (last_transaction_id, last_position) >= ($2::xid8, $3::bigint)`,
      [projections, point.transactionId.toString(), point.position.toString()],
    );
    return rows[0].n === new Set(projections).size;
  }
}
