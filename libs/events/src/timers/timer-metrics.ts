import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import pg from 'pg';
import { Metrics, METRIC_NAMES } from '@app/platform';
import type { BatchOutcome } from './due-timers.js';

/** Firing delay buckets (seconds): on time is tens of milliseconds; late is minutes to hours. */
const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3_600, 86_400];

/**
 * The timers' numbers: pending timers (counted from the database on scrape), and, per process,
 * the timers it fired, fired late and dropped, and its firing delay (fired_at - due_at).
 */
@Injectable()
export class TimerMetrics implements OnModuleInit {
  private fired!: Counter;
  private late!: Counter;
  private dropped!: Counter;
  private delay!: Histogram;

  constructor(
    private readonly metrics: Metrics,
    @Inject(pg.Pool) private readonly pool: pg.Pool,
  ) {}

  onModuleInit(): void {
    const pool = this.pool;
    this.metrics.gauge('timers_pending', 'Timers scheduled and not yet fired or dropped.', [], async function () {
      const { rows } = await pool
        .query<{ n: string }>(`SELECT count(*) AS n FROM timers WHERE state = 'pending'`)
        .catch(() => ({ rows: [] as { n: string }[] }));
      if (rows[0]) this.set(Number(rows[0].n));
    });
    this.fired = this.metrics.counter('timers_fired_total', 'Timers fired (their event appended), late ones included.');
    this.late = this.metrics.counter(
      'timers_late_total',
      'Timers fired more than TIMERS_LATE_TOLERANCE_MS after they were due.',
    );
    const { TIMERS_DROPPED: dropped, TIMERS_FIRING_DELAY: delay } = METRIC_NAMES;
    this.dropped = this.metrics.counter(dropped.name, dropped.help, dropped.labels);
    this.delay = this.metrics.histogram(delay.name, delay.help, delay.labels, DELAY_BUCKETS);
  }

  /** A committed batch. */
  record(batch: BatchOutcome): void {
    for (const f of batch.fired) {
      this.fired.inc();
      if (f.late) this.late.inc();
      this.delay.observe(f.delayMs / 1000);
    }
    if (batch.dropped.length > 0) this.dropped.inc(batch.dropped.length);
  }
}
