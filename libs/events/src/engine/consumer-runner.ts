import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { requestContext, type TransactionRunner, type Tx } from '@app/platform';
import type { StoredEvent } from '../event.js';
import { eventColumns, type EventRow, type LogEvent, lockCheckpoint, readAfter, saveCheckpoint, toLogEvent } from './event-log.js';

/** What the engine runs: a projector, a subscriber or the integration publisher. */
export interface ConsumerSpec {
  name: string;
  eventTypes: readonly string[];
  /** 'projector': a batch per transaction, exactly once. 'subscriber': one handled event per transaction, deduplicated by the inbox. */
  kind: 'projector' | 'subscriber';
  handle(event: StoredEvent): Promise<void>;
  /** Handles a whole batch at once instead of `handle` per event (the integration publisher). */
  handleBatch?(events: StoredEvent[]): Promise<void>;
  /** Overrides the configured attempts before a dead letter (Infinity: never; the publisher waits for Redis). */
  maxAttempts?: number;
}

export interface RunnerOptions {
  batchSize: number;
  maxAttempts: number;
  retryBaseMs: number;
}

/** The outcome of one step: how many events were passed, and how long to wait before the next one (undefined: go on at once). */
export interface StepResult {
  processed: number;
  waitMs?: number;
}

interface Failing {
  eventId: string;
  attempts: number;
  firstFailedAt: Date;
  error: string;
  retryAt: number;
}

class HandlerFailure extends Error {
  constructor(
    readonly index: number,
    readonly event: LogEvent,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const MAX_BACKOFF_MS = 60_000;

/**
 * One consumer's progress through the log. Each step is one transaction that locks the
 * consumer's checkpoint row, reads the next events in commit order, handles them and moves the
 * checkpoint, so a projector's writes and its checkpoint commit together (exactly once).
 * A failing event is retried alone with exponential backoff; after `maxAttempts` it goes to
 * `dead_letters` and the checkpoint moves past it (docs/decisions/0011).
 */
export class ConsumerRunner {
  private failing?: Failing;
  private prefixLimit?: number;
  /** After a failed batch call: the next step handles these events one by one, to find the failing one. */
  private oneByOne = false;
  private readonly types: Set<string>;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly transactions: TransactionRunner,
    private readonly options: RunnerOptions,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {
    this.types = new Set(spec.eventTypes);
    this.all = this.types.has('*');
  }

  private readonly all: boolean;

  private get maxAttempts(): number {
    return this.spec.maxAttempts ?? this.options.maxAttempts;
  }

  async step(): Promise<StepResult> {
    const now = Date.now();
    if (this.failing && now < this.failing.retryAt) return { processed: 0, waitMs: this.failing.retryAt - now };
    const limit = this.failing ? 1 : (this.prefixLimit ?? this.options.batchSize);
    this.prefixLimit = undefined;
    const oneByOne = this.oneByOne;
    this.oneByOne = false;
    try {
      const processed = await this.transactions.run((tx) => this.inTransaction(tx, limit, oneByOne));
      if (processed === undefined) return { processed: 0, waitMs: 200 }; // checkpoint locked elsewhere (a rebuild)
      if (processed > 0) return { processed };
      return (await this.retryDeadLetter()) ? { processed: 1 } : { processed: 0, waitMs: Infinity };
    } catch (err) {
      if (!(err instanceof HandlerFailure)) throw err;
      if (err.index < 0) {
        this.oneByOne = true;
        return { processed: 0 };
      }
      if (err.index > 0) {
        // Commit the events before the failing one first; the failing one then gets its own attempts.
        this.prefixLimit = err.index;
        return { processed: 0 };
      }
      const same = this.failing?.eventId === err.event.id ? this.failing : undefined;
      const attempts = (same?.attempts ?? 0) + 1;
      const delay = attempts >= this.maxAttempts ? 0 : Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** (attempts - 1));
      this.failing = { eventId: err.event.id, attempts, firstFailedAt: same?.firstFailedAt ?? new Date(), error: describe(err.cause), retryAt: Date.now() + delay };
      this.logger.warn({ consumer: this.spec.name, eventId: err.event.id, attempts, err: { message: err.message } }, 'event handler failed');
      return { processed: 0, waitMs: delay };
    }
  }

  private async inTransaction(tx: Tx, limit: number, oneByOne: boolean): Promise<number | undefined> {
    const checkpoint = await lockCheckpoint(tx, this.spec.name);
    if (!checkpoint) return undefined;
    const events = await readAfter(tx, checkpoint, limit);
    if (events.length === 0) return 0;
    const failing = this.failing;
    if (failing && failing.eventId !== events[0].id) this.failing = undefined; // moved on elsewhere (a retry, a rebuild)
    if (failing && failing.eventId === events[0].id && failing.attempts >= this.maxAttempts) {
      await this.deadLetter(tx, events[0], failing);
      await saveCheckpoint(tx, this.spec.name, events[0]);
      this.failing = undefined;
      return 1;
    }
    if (this.spec.handleBatch && events.length > 1 && !oneByOne) {
      const wanted = events.filter((e) => this.all || this.types.has(e.type));
      try {
        if (wanted.length) await this.spec.handleBatch(wanted);
      } catch (err) {
        throw new HandlerFailure(-1, events[0], err);
      }
      await saveCheckpoint(tx, this.spec.name, events[events.length - 1]);
      if (failing?.eventId === events[0].id) this.failing = undefined;
      return events.length;
    }
    let passed = 0;
    for (const event of events) {
      if (this.all || this.types.has(event.type)) {
        try {
          await this.deliver(tx, event);
        } catch (err) {
          throw new HandlerFailure(passed, event, err);
        }
        passed++;
        if (this.spec.kind === 'subscriber') break;
      } else {
        passed++;
      }
    }
    await saveCheckpoint(tx, this.spec.name, events[passed - 1]);
    if (failing?.eventId === events[0].id) this.failing = undefined;
    return passed;
  }

  private async deliver(tx: Tx, event: LogEvent): Promise<void> {
    if (this.spec.kind === 'subscriber') {
      const fresh = await tx.$executeRawUnsafe(`INSERT INTO event_inbox (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING`, this.spec.name, event.id);
      if (fresh === 0) return;
    }
    await handleInContext(this.spec, event);
  }

  /**
   * Once caught up: handles one dead letter an admin asked to retry. Success removes it; failure
   * records the attempt and clears the request.
   */
  private async retryDeadLetter(): Promise<boolean> {
    let letter: string | undefined;
    try {
      return await this.transactions.run(async (tx) => {
        const rows = await tx.$queryRawUnsafe<(EventRow & { dead_letter_id: string })[]>(
          `SELECT d.id AS dead_letter_id, ${eventColumns('e')} FROM dead_letters d JOIN events e ON e.id = d.event_id
            WHERE d.consumer = $1 AND d.retry_requested_at IS NOT NULL
            ORDER BY d.event_position LIMIT 1 FOR UPDATE OF d SKIP LOCKED`,
          this.spec.name,
        );
        if (!rows[0]) return false;
        letter = rows[0].dead_letter_id;
        await this.deliver(tx, toLogEvent(rows[0]));
        await tx.$executeRawUnsafe(`DELETE FROM dead_letters WHERE id = $1::uuid`, letter);
        return true;
      });
    } catch (err) {
      if (!letter) throw err;
      await this.transactions.run((tx) =>
        tx.$executeRawUnsafe(
          `UPDATE dead_letters SET attempts = attempts + 1, error = $2, last_failed_at = now(), retry_requested_at = NULL WHERE id = $1::uuid`,
          letter,
          describe(err),
        ),
      );
      this.logger.warn({ consumer: this.spec.name, deadLetter: letter, err: { message: (err as Error).message } }, 'dead letter retry failed');
      return false;
    }
  }

  private async deadLetter(tx: Tx, event: LogEvent, failing: Failing): Promise<void> {
    await tx.$executeRawUnsafe(
      `INSERT INTO dead_letters (id, consumer, event_id, event_position, event_type, error, attempts, first_failed_at, last_failed_at)
       VALUES ($1::uuid, $2, $3::uuid, $4::bigint, $5, $6, $7, $8, now())
       ON CONFLICT (consumer, event_id) DO UPDATE SET error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts, last_failed_at = now()`,
      randomUUID(),
      this.spec.name,
      event.id,
      event.position.toString(),
      event.type,
      failing.error,
      failing.attempts,
      failing.firstFailedAt,
    );
    this.logger.error({ consumer: this.spec.name, eventId: event.id, attempts: failing.attempts }, 'event moved to dead letters');
  }
}

/** Runs a handler with the event's context, so events it appends carry the cause and trace. */
export function handleInContext(spec: Pick<ConsumerSpec, 'handle'>, event: StoredEvent): Promise<void> {
  const m = event.metadata;
  return requestContext.run(
    { requestId: randomUUID(), actor: m.actor, correlationId: m.correlationId ?? event.id, causationId: event.id, traceparent: m.traceparent },
    () => spec.handle(event),
  );
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}
