import type { Logger } from '@nestjs/common';
import type { Database, TransactionRunner } from '@app/platform';
import type { StoredEvent } from '../event.js';
import { type ConsumerSpec, type RunnerOptions, type StepResult, wantsType } from './consumer-spec.js';
import { recordDeadLetter, retryDeadLetter } from './dead-letters.js';
import { HandlerFailure } from './event-failures.js';
import { handleEvents } from './event-handling.js';
import { eventsWaitAfter, type LogEvent, lockCheckpoint, readAfter, samePoint, saveCheckpoint } from './event-log.js';
import { FailureIsolation } from './failure-isolation.js';
import { type Planned, PreparePhase } from './prepare-phase.js';

/** What a step's transaction did. */
type Outcome =
  | { kind: 'passed'; count: number; ids: string[] }
  | { kind: 'idle'; blocked: boolean }
  /** The checkpoint row is locked elsewhere (a rebuild). */
  | { kind: 'locked' }
  /** The checkpoint is not where the prepare phase read it: read again. */
  | { kind: 'moved' };

/**
 * One consumer's progress through the log. Each step is one transaction that locks the
 * consumer's checkpoint row, reads the next events in commit order, handles them and moves the
 * checkpoint, so a projector's writes and its checkpoint commit together (exactly once), and a
 * subscriber's inbox rows, writes and checkpoint too. A subscriber with `prepare` first reads
 * the batch without a transaction and prepares it (PreparePhase); only then does the short write
 * transaction run, so slow work never holds the horizon (docs/decisions/0016).
 * A failing event is found and retried with backoff by FailureIsolation; after its attempts it
 * goes to `dead_letters` and the checkpoint moves past it (docs/decisions/0011).
 */
export class ConsumerRunner {
  private readonly isolation: FailureIsolation;
  private readonly preparer?: PreparePhase;
  private readonly wanted: (event: StoredEvent) => boolean;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly transactions: TransactionRunner,
    private readonly options: RunnerOptions,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {
    this.wanted = wantsType(spec);
    this.isolation = new FailureIsolation({
      maxAttempts: spec.maxAttempts ?? options.maxAttempts,
      retryBaseMs: options.retryBaseMs,
    });
    if (spec.prepare) this.preparer = new PreparePhase(spec, this.wanted, options.batchSize);
  }

  async step(): Promise<StepResult> {
    const next = this.isolation.next(this.options.batchSize);
    if ('waitMs' in next) return { processed: 0, waitMs: next.waitMs };
    try {
      let planned: Planned | undefined;
      if (this.preparer) {
        const plan = await this.preparer.plan(this.transactions.db, next.limit, this.isolation);
        if (plan.kind === 'idle') return await this.idle(plan.blocked);
        planned = plan;
      }
      const limit = planned?.ids.length ?? next.limit;
      const outcome = await this.transactions.run((db) => this.inTransaction(db, limit, next.oneByOne, planned));
      switch (outcome.kind) {
        case 'locked':
          return { processed: 0, waitMs: 200 };
        case 'moved':
          return { processed: 0 };
        case 'idle':
          return await this.idle(outcome.blocked);
        case 'passed':
          this.preparer?.forget(outcome.ids);
          return { processed: outcome.count };
      }
    } catch (err) {
      if (!(err instanceof HandlerFailure)) throw err;
      return this.failed(err);
    }
  }

  private failed(err: HandlerFailure): StepResult {
    this.preparer?.forget([err.event.id]); // its retry prepares it afresh
    const now = Date.now();
    const failing = this.isolation.failed(err, now);
    if (!failing) return { processed: 0 }; // narrowed down: the next step reads less
    const { attempts, retryAt } = failing;
    this.logger.warn(
      { consumer: this.spec.name, eventId: err.event.id, attempts, err: { message: err.message } },
      'event handler failed',
    );
    return { processed: 0, waitMs: retryAt - now };
  }

  /** Nothing readable: retry a dead letter an admin asked for, else wait (soon when blocked). */
  private async idle(blocked: boolean): Promise<StepResult> {
    return (await retryDeadLetter(this.transactions, this.spec, this.logger))
      ? { processed: 1 }
      : { processed: 0, waitMs: Infinity, blocked };
  }

  private async inTransaction(db: Database, limit: number, oneByOne: boolean, planned?: Planned): Promise<Outcome> {
    const checkpoint = await lockCheckpoint(db, this.spec.name);
    if (!checkpoint) return { kind: 'locked' };
    if (planned && !samePoint(checkpoint, planned.from)) return { kind: 'moved' };
    const events = await readAfter(db, checkpoint, limit);
    if (events.length === 0) return { kind: 'idle', blocked: await eventsWaitAfter(db, checkpoint) };
    if (planned && events.some((e, i) => e.id !== planned.ids[i])) return { kind: 'moved' };
    this.isolation.reading(events[0].id);
    const exhausted = this.isolation.exhausted(events[0].id);
    const passed = exhausted ? [events[0]] : events;
    if (exhausted) await recordDeadLetter(db, this.spec.name, events[0], exhausted, this.logger);
    else {
      const preparer = this.preparer;
      const valueFor = preparer && ((event: LogEvent) => preparer.valueFor(event));
      await handleEvents(db, this.spec, events, { wanted: this.wanted, oneByOne, valueFor });
    }
    await saveCheckpoint(db, this.spec.name, passed[passed.length - 1]);
    this.isolation.passed();
    return { kind: 'passed', count: passed.length, ids: passed.map((e) => e.id) };
  }
}
