import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import pg from 'pg';
import { MigrationService } from '../database/migration.service.js';
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
  ) {}

  @Get('health')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    try {
      return await this.health.check([
        () => this.check('lifecycle', async () => {
          if (this.lifecycle.shuttingDown) throw new Error('shutting down');
        }),
        () => this.check('database', () => withTimeout(this.pool.query('SELECT 1'), PING_TIMEOUT_MS, 'database ping')),
        () => this.check('migrations', async () => {
          if (!(await this.migrations.isCurrent())) throw new Error('pending migrations');
        }),
      ]);
    } catch (err) {
      reply.status(503).header('retry-after', '1');
      return (err as { getResponse?: () => unknown }).getResponse?.() ?? { status: 'error' };
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
