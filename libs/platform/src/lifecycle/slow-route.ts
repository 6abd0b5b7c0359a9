import { Controller, Get, Inject, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { requestContext } from '../context/request-context.js';
import { ValidQuery } from '../http/validation.js';

/**
 * GET /api/v1/__test/slow?ms=N: waits, then queries the database. Mounted only with
 * TEST_SLOW_ROUTE=true, so the graceful-shutdown test can hold requests in flight and see them
 * finish, database included, after SIGTERM; it also reports the traceparent the request context
 * holds (what the event store would write into event metadata).
 */
@ApiExcludeController()
@Controller('__test')
class SlowRouteController {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  @Get('slow')
  async slow(@ValidQuery('ms') ms = '1000'): Promise<{ waitedMs: number; database: number; traceparent?: string }> {
    const waitedMs = Math.min(Number(ms) || 0, 30_000);
    await sleep(waitedMs);
    const { rows } = await this.pool.query<{ one: number }>('SELECT 1 AS one');
    return { waitedMs, database: rows[0].one, traceparent: requestContext.current()?.traceparent };
  }
}

@Module({ controllers: [SlowRouteController] })
export class SlowRouteModule {}
