import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { TransactionRunner } from '@app/platform';
import type { LogPoint } from '../engine/event-log.js';

/**
 * Read-your-writes: waits until the named projections' checkpoints are at or past a point of the
 * log (a consistency token), polling the checkpoints (10 ms, backing off to 50 ms).
 */
@Injectable()
export class ProjectionWaiter {
  constructor(private readonly transactions: TransactionRunner) {}

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
    const { n } = await this.transactions.db
      .selectFrom('consumer_checkpoints')
      .select(sql<number>`count(*)::int`.as('n'))
      .where((eb) => eb('consumer', '=', eb.fn.any(eb.val(projections))))
      // last_transaction_id is xid8, not in the generated types.
      .where(
        sql<boolean>`(last_transaction_id, last_position) >= (${point.transactionId}::xid8, ${point.position}::bigint)`,
      )
      .executeTakeFirstOrThrow();
    return n === new Set(projections).size;
  }
}
