import { Controller, Get, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { requestContext } from '../context/request-context.js';
import { ValidQuery } from '../http/validation.js';
import { TransactionRunner } from '../transactions/transaction-runner.js';

/**
 * GET /api/v1/__test/slow?ms=N: waits, then queries the database. Mounted only with
 * TEST_SLOW_ROUTE=true, so the graceful-shutdown test can hold requests in flight and see them
 * finish, database included, after SIGTERM; it also reports the traceparent the request context
 * holds (what the event store would write into event metadata).
 */
@ApiExcludeController()
@Controller('__test')
class SlowRouteController {
  constructor(private readonly transactions: TransactionRunner) {}

  @Get('slow')
  async slow(@ValidQuery('ms') ms = '1000'): Promise<{ waitedMs: number; database: number; traceparent?: string }> {
    const waitedMs = Math.min(Number(ms) || 0, 30_000);
    await sleep(waitedMs);
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(this.transactions.db);
    return { waitedMs, database: rows[0].one, traceparent: requestContext.current()?.traceparent };
  }
}

@Module({ controllers: [SlowRouteController] })
export class SlowRouteModule {}
