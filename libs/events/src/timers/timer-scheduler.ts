import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@app/shared-kernel';
import { AppConfig, MigrationService, TransactionRunner } from '@app/platform';
import { EventsEngine } from '../engine/events-engine.js';
import { EventStore } from '../ports/event-store.js';
import { DueTimers } from './due-timers.js';
import { sleepMs } from './timer-firing.js';
import { TimerMetrics } from './timer-metrics.js';
import { TimerSignal } from './timer-signal.js';

/**
 * Fires due timers (docs/decisions/0071), run by the worker next to the consumers. It fires
 * batch after batch while timers are due, then sleeps until the next one is due, at most
 * TIMERS_POLL_INTERVAL_MS (how soon it sees what other processes scheduled); a commit in this
 * process that scheduled a timer wakes it at once. Every replica runs one: the row locks split
 * the due timers between them. On shutdown it finishes the batch in hand, like the consumers.
 */
@Injectable()
export class TimerScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TimerScheduler');
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  readonly due: DueTimers;

  constructor(
    transactions: TransactionRunner,
    events: EventStore,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly signal: TimerSignal,
    private readonly metrics: TimerMetrics,
    private readonly migrations: MigrationService,
  ) {
    const { lateToleranceMs, maxLatenessMs } = config.events.timers;
    this.due = new DueTimers(transactions, events, { lateToleranceMs, maxLatenessMs });
  }

  onApplicationBootstrap(): void {
    // The rebuild CLI turns the engine's loops off; the scheduler is one of them.
    if (EventsEngine.autoStart) this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { pollIntervalMs, batchSize } = this.config.events.timers;
    const stop = this.abort.signal;
    while (!stop.aborted && !(await this.migrations.isCurrent().catch(() => false))) await this.signal.wait(250, stop);
    while (!stop.aborted) {
      const since = this.signal.generation;
      try {
        const now = this.clock.now();
        const batch = await this.due.fire(now, batchSize);
        this.metrics.record(batch);
        if (batch.dropped.length > 0) {
          this.logger.warn(
            { timers: batch.dropped.map((d) => d.key), count: batch.dropped.length },
            'timers dropped: more than TIMERS_MAX_LATENESS_SECONDS overdue',
          );
        }
        if (batch.full || stop.aborted) continue;
        // After the batch's `now`: a timer that fell due while the batch ran is next, at once.
        const wait = sleepMs(await this.due.nextDueAfter(now), this.clock.now(), pollIntervalMs);
        if (wait > 0) await this.signal.wait(wait, stop, since);
      } catch (err) {
        if (stop.aborted) break;
        this.logger.warn({ err: { message: (err as Error).message } }, 'timers: firing a batch failed; retrying');
        await this.signal.wait(pollIntervalMs, stop, since);
      }
    }
  }
}
