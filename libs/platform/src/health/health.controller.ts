import { Controller, Get, Headers, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Gauge } from 'prom-client';
import { AppConfig } from '../config/app-config.js';
import { MigrationService } from '../database/migration.service.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { ReadinessChecks, ReadinessDetailsAccess } from '../lifecycle/readiness.js';
import { METRIC_NAMES } from '../metrics/metric-names.js';
import { Metrics } from '../metrics/metrics.js';
import { TransactionRunner } from '../transactions/transaction-runner.js';

const DETAILED_LOG_LEVELS = new Set(['debug', 'trace']);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** The `/ready` body without each check's `detail` and `message` (paths, bytes, errors): names, states, backends, impacts. */
function withoutDetails(body: Record<string, unknown>): Record<string, unknown> {
  const strip = (checks: unknown) =>
    checks && typeof checks === 'object'
      ? Object.fromEntries(
          Object.entries(checks).map(
            ([name, { detail: _d, message: _m, ...rest }]: [string, Record<string, unknown>]) => [name, rest],
          ),
        )
      : checks;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, key === 'status' ? value : strip(value)]));
}

/** Kubernetes probes: liveness checks nothing but the process; readiness checks what serving needs. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly transactions: TransactionRunner,
    private readonly migrations: MigrationService,
    private readonly lifecycle: Lifecycle,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly extra: ReadinessChecks,
    private readonly detailsAccess: ReadinessDetailsAccess,
    @Optional() private readonly idempotency?: IdempotencyStore,
  ) {}

  @Get('health')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Check names and states for everyone; details (paths, bytes, messages) at LOG_LEVEL debug/trace or for admins. */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('authorization') authorization?: string,
  ): Promise<unknown> {
    const body = await this.readiness(reply);
    return DETAILED_LOG_LEVELS.has(this.config.log.level) || this.detailsAccess.allows(authorization)
      ? body
      : withoutDetails(body);
  }

  private async readiness(reply: FastifyReply): Promise<Record<string, unknown>> {
    const degraded = this.degradations();
    try {
      const result = await this.health.check([
        () =>
          this.check('lifecycle', () => {
            if (this.lifecycle.shuttingDown) throw new Error('shutting down');
          }),
        () =>
          this.check('database', () =>
            withTimeout(
              sql`SELECT 1`.execute(this.transactions.db),
              this.config.ops.readyCheckTimeoutMs,
              'database ping',
            ),
          ),
        () =>
          this.check('migrations', async () => {
            if (!(await this.migrations.isCurrent())) throw new Error('pending migrations');
          }),
        () => this.check('heap', () => this.heap()),
        () => this.check('disk', async () => this.disk()),
        () => this.check('projection-lag', async () => this.projectionLag()),
        ...this.extra.entries().map(
          ([name, probe]) =>
            () =>
              this.check(name, () => withTimeout(probe(), this.config.ops.readyCheckTimeoutMs, name)),
        ),
      ]);
      return { ...result, ...(await degraded) };
    } catch (err) {
      reply.status(503).header('retry-after', '1');
      return {
        ...((err as { getResponse?: () => object }).getResponse?.() ?? { status: 'error' }),
        ...(await degraded),
      };
    }
  }

  /**
   * Informational entries that never fail readiness: the idempotency store (Redis). Without it
   * keyed requests fall back to the database record and stay exactly-once, only slower.
   */
  private async degradations(): Promise<{
    degraded?: Record<string, { status: 'down'; message: string; impact: string }>;
    optional?: Record<string, { status: 'up'; backend: string }>;
  }> {
    if (!this.idempotency) return {};
    try {
      await withTimeout(this.idempotency.ping(), this.config.ops.readyCheckTimeoutMs, 'idempotency store ping');
      return { optional: { idempotency: { status: 'up', backend: this.idempotency.backend } } };
    } catch (err) {
      return {
        degraded: {
          idempotency: {
            status: 'down',
            message: `${this.idempotency.backend}: ${(err as Error).message}`,
            impact:
              'Idempotency-Key requests fall back to the database record (still exactly-once, slower); other requests are unaffected.',
          },
        },
      };
    }
  }

  private heap(): string {
    const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
    const ratio = used / limit;
    const detail = `${(ratio * 100).toFixed(1)}% of the heap limit used (max ${(this.config.ops.readyMaxHeapRatio * 100).toFixed(0)}%)`;
    if (ratio > this.config.ops.readyMaxHeapRatio) throw new Error(detail);
    return detail;
  }

  /** Free space where the process writes: the embedded database's directory, else the temp directory. */
  private async disk(): Promise<string> {
    const dir =
      this.config.singleInstance && existsSync(this.config.database.dataDir) ? this.config.database.dataDir : tmpdir();
    const stats = await statfs(dir);
    const free = stats.bavail * stats.bsize;
    const detail = `${free} bytes free in ${dir} (min ${this.config.ops.readyMinFreeDiskBytes})`;
    if (free < this.config.ops.readyMinFreeDiskBytes) throw new Error(detail);
    return detail;
  }

  /** Reads the events engine's projection_lag_seconds gauge (when this process has one). */
  private async projectionLag(): Promise<string> {
    const max = this.config.ops.readyMaxProjectionLagSeconds;
    if (max === 0) return 'check off (READY_MAX_PROJECTION_LAG_SECONDS=0)';
    const gauge = this.metrics.registry.getSingleMetric(METRIC_NAMES.PROJECTION_LAG_SECONDS.name) as Gauge | undefined;
    if (!gauge) return 'no projection in this process';
    const { values } = await gauge.get();
    if (values.length === 0) return 'no consumer has reported lag yet';
    const worst = values.reduce((w, v) => (v.value > w.value ? v : w));
    const consumer = worst.labels.consumer === undefined ? undefined : String(worst.labels.consumer);
    const detail = `max lag ${worst.value.toFixed(1)} s${consumer ? ` (${consumer})` : ''}, limit ${max} s`;
    if (worst.value > max) throw new Error(detail);
    return detail;
  }

  private async check(key: string, probe: () => unknown): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      const detail = await probe();
      return typeof detail === 'string' ? session.up({ detail }) : session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
