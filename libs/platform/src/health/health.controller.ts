import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import pg from 'pg';
import { MigrationService } from '../database/migration.service.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';

const PING_TIMEOUT_MS = 1_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Kubernetes probes: liveness checks nothing but the process; readiness checks what serving needs. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(pg.Pool) private readonly pool: pg.Pool,
    private readonly migrations: MigrationService,
    private readonly lifecycle: Lifecycle,
    @Optional() private readonly idempotency?: IdempotencyStore,
  ) {}

  @Get('health')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const degraded = this.degradations();
    try {
      const result = await this.health.check([
        () => this.check('lifecycle', async () => {
          if (this.lifecycle.shuttingDown) throw new Error('shutting down');
        }),
        () => this.check('database', () => withTimeout(this.pool.query('SELECT 1'), PING_TIMEOUT_MS, 'database ping')),
        () => this.check('migrations', async () => {
          if (!(await this.migrations.isCurrent())) throw new Error('pending migrations');
        }),
      ]);
      return { ...result, ...(await degraded) };
    } catch (err) {
      reply.status(503).header('retry-after', '1');
      return { ...((err as { getResponse?: () => object }).getResponse?.() ?? { status: 'error' }), ...(await degraded) };
    }
  }

  /**
   * Informational entries that never fail readiness: the idempotency store (Redis). Without it
   * keyed requests fall back to the database record and stay exactly-once, only slower.
   */
  private async degradations(): Promise<{ degraded?: Record<string, { status: 'down'; message: string; impact: string }>; optional?: Record<string, { status: 'up'; backend: string }> }> {
    if (!this.idempotency) return {};
    try {
      await withTimeout(this.idempotency.ping(), PING_TIMEOUT_MS, 'idempotency store ping');
      return { optional: { idempotency: { status: 'up', backend: this.idempotency.backend } } };
    } catch (err) {
      return {
        degraded: {
          idempotency: {
            status: 'down',
            message: `${this.idempotency.backend}: ${(err as Error).message}`,
            impact: 'Idempotency-Key requests fall back to the database record (still exactly-once, slower); other requests are unaffected.',
          },
        },
      };
    }
  }

  private async check(key: string, probe: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      await probe();
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
