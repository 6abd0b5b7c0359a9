import type { Logger } from '@nestjs/common';
import type { Database, TransactionRunner } from '@app/platform';
import type { StoredEvent } from '../event.js';
import { type ConsumerSpec, type RunnerOptions, type StepResult, wantsType } from './consumer-spec.js';
import { recordDeadLetter, retryDeadLetter } from './dead-letters.js';
import { handleInContext } from './event-context.js';
import { failedAttempt, type Failing, HandlerFailure } from './event-failures.js';
import { claimInbox } from './event-inbox.js';
import { eventsWaitAfter, type LogEvent, lockCheckpoint, readAfter, samePoint, saveCheckpoint } from './event-log.js';
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
 * A failing event is retried alone with exponential backoff; after `maxAttempts` it goes to
 * `dead_letters` and the checkpoint moves past it (docs/decisions/0011).
 */
export class ConsumerRunner {
  private failing?: Failing;
  private prefixLimit?: number;
  /** After a failed batch call: the next step handles these events one by one, to find the failing one. */
  private oneByOne = false;
  private readonly preparer?: PreparePhase;
  private readonly wanted: (event: StoredEvent) => boolean;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly transactions: TransactionRunner,
    private readonly options: RunnerOptions,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {
    this.wanted = wantsType(spec);
    if (spec.prepare) this.preparer = new PreparePhase(spec, this.wanted, options.batchSize);
  }

  private get maxAttempts(): number {
    return this.spec.maxAttempts ?? this.options.maxAttempts;
  }

  async step(): Promise<StepResult> {
    const now = Date.now();
    if (this.failing && now < this.failing.retryAt) return { processed: 0, waitMs: this.failing.retryAt - now };
    let limit = this.failing ? 1 : (this.prefixLimit ?? this.options.batchSize);
    this.prefixLimit = undefined;
    const oneByOne = this.oneByOne;
    this.oneByOne = false;
    try {
      let planned: Planned | undefined;
      if (this.preparer) {
        const plan = await this.preparer.plan(this.transactions.db, limit, this.failing, this.maxAttempts);
        if (plan.kind === 'idle') return await this.idle(plan.blocked);
        planned = plan;
        limit = plan.ids.length;
      }
      const outcome = await this.transactions.run((db) => this.inTransaction(db, limit, oneByOne, planned));
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

  /** After a handler failure: find the failing event (one by one, then the prefix before it), then back off on it. */
  private failed(err: HandlerFailure): StepResult {
    this.preparer?.forget([err.event.id]); // its retry prepares it afresh
    if (err.index < 0) {
      this.oneByOne = true;
      return { processed: 0 };
    }
    if (err.index > 0) {
      // Commit the events before the failing one first; the failing one then gets its own attempts.
      this.prefixLimit = err.index;
      return { processed: 0 };
    }
    const now = Date.now();
    this.failing = failedAttempt(
      this.failing,
      err.event.id,
      err.cause,
      { maxAttempts: this.maxAttempts, retryBaseMs: this.options.retryBaseMs },
      now,
    );
    const { attempts, retryAt } = this.failing;
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
    const failing = this.failing;
    if (failing && failing.eventId !== events[0].id) this.failing = undefined; // moved on elsewhere (a retry, a rebuild)
    if (failing && failing.eventId === events[0].id && failing.attempts >= this.maxAttempts) {
      await recordDeadLetter(db, this.spec.name, events[0], failing, this.logger);
      await saveCheckpoint(db, this.spec.name, events[0]);
      this.failing = undefined;
      return { kind: 'passed', count: 1, ids: [events[0].id] };
    }
    await this.handle(db, events, oneByOne);
    await saveCheckpoint(db, this.spec.name, events[events.length - 1]);
    if (failing?.eventId === events[0].id) this.failing = undefined;
    return { kind: 'passed', count: events.length, ids: events.map((e) => e.id) };
  }

  /** Hands the wanted events to the batch call, or to `handle` one by one (a subscriber's skipping those its inbox holds). */
  private async handle(db: Database, events: LogEvent[], oneByOne: boolean): Promise<void> {
    const wanted = events.filter(this.wanted);
    if (this.spec.handleBatch && events.length > 1 && !oneByOne) {
      try {
        if (wanted.length) await this.spec.handleBatch(wanted);
      } catch (err) {
        throw new HandlerFailure(-1, events[0], err);
      }
      return;
    }
    const fresh =
      this.spec.kind === 'subscriber'
        ? await claimInbox(
            db,
            this.spec.name,
            wanted.map((e) => e.id),
          )
        : undefined;
    for (const [index, event] of events.entries()) {
      if (!this.wanted(event) || (fresh && !fresh.has(event.id))) continue;
      try {
        await handleInContext(this.spec, event, await this.preparer?.valueFor(event));
      } catch (err) {
        throw new HandlerFailure(index, event, err);
      }
    }
  }
}
