import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { childTraceparent, currentTraceparent, requestContext, runInTraceContext, type TransactionRunner, type Tx } from '@app/platform';
import type { StoredEvent } from '../event.js';
import { eventColumns, type EventRow, eventsWaitAfter, type LogEvent, type LogPoint, lockCheckpoint, peekCheckpoint, readAfter, samePoint, saveCheckpoint, toLogEvent } from './event-log.js';

/** What the engine runs: a projector, a subscriber or the integration publisher. */
export interface ConsumerSpec {
  name: string;
  eventTypes: readonly string[];
  /**
   * 'projector': a batch per transaction, exactly once. 'subscriber': a batch per transaction
   * too, each event deduplicated by the inbox (consumer, event id): at least once.
   */
  kind: 'projector' | 'subscriber';
  /** Subscribers only: the slow part of the work, run outside any transaction before the write transaction; its result goes to `handle`. */
  prepare?(event: StoredEvent): Promise<unknown>;
  handle(event: StoredEvent, prepared?: unknown): Promise<void>;
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

/**
 * The outcome of one step: how many events were passed, and how long to wait before the next one
 * (undefined: go on at once; Infinity: until a wake-up or the poll interval). `blocked`: nothing
 * was readable although events follow the checkpoint, i.e. a transaction still in flight holds
 * the horizon (docs/decisions/0010); the engine then polls again soon.
 */
export interface StepResult {
  processed: number;
  waitMs?: number;
  blocked?: boolean;
}

/** What a step's transaction did. */
type Outcome =
  | { kind: 'passed'; count: number; ids: string[] }
  | { kind: 'idle'; blocked: boolean }
  /** The checkpoint row is locked elsewhere (a rebuild). */
  | { kind: 'locked' }
  /** The checkpoint is not where the prepare phase read it: read again. */
  | { kind: 'moved' };

/** What the prepare phase read: the write transaction expects the same checkpoint and the same events. */
interface Planned {
  kind: 'planned';
  from: LogPoint;
  ids: string[];
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
/** A subscriber's `prepare` calls run this many at a time... */
const PREPARE_CONCURRENCY = 4;
/** ...and a step starts no new one after this long: it handles what it has prepared and commits. */
const PREPARE_BUDGET_MS = 1_000;

/**
 * One consumer's progress through the log. Each step is one transaction that locks the
 * consumer's checkpoint row, reads the next events in commit order, handles them and moves the
 * checkpoint, so a projector's writes and its checkpoint commit together (exactly once), and a
 * subscriber's inbox rows, writes and checkpoint too. A subscriber with `prepare` first reads
 * the batch without a transaction and prepares it; only then does the short write transaction
 * run, so slow work never holds the horizon (docs/decisions/0016).
 * A failing event is retried alone with exponential backoff; after `maxAttempts` it goes to
 * `dead_letters` and the checkpoint moves past it (docs/decisions/0011).
 */
export class ConsumerRunner {
  private failing?: Failing;
  private prefixLimit?: number;
  /** After a failed batch call: the next step handles these events one by one, to find the failing one. */
  private oneByOne = false;
  /** Prepared values not committed yet, by event id: a batch retried for its prefix is not prepared twice. */
  private readonly prepared = new Map<string, unknown>();
  private readonly types: Set<string>;
  private readonly all: boolean;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly transactions: TransactionRunner,
    private readonly options: RunnerOptions,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {
    this.types = new Set(spec.eventTypes);
    this.all = this.types.has('*');
  }

  private get maxAttempts(): number {
    return this.spec.maxAttempts ?? this.options.maxAttempts;
  }

  private wanted(event: StoredEvent): boolean {
    return this.all || this.types.has(event.type);
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
      if (this.spec.prepare) {
        const plan = await this.prepareNext(limit);
        if (plan.kind === 'idle') return await this.idle(plan.blocked);
        planned = plan;
        limit = plan.ids.length;
      }
      const outcome = await this.transactions.run((tx) => this.inTransaction(tx, limit, oneByOne, planned));
      switch (outcome.kind) {
        case 'locked':
          return { processed: 0, waitMs: 200 };
        case 'moved':
          return { processed: 0 };
        case 'idle':
          return await this.idle(outcome.blocked);
        case 'passed':
          for (const id of outcome.ids) this.prepared.delete(id);
          return { processed: outcome.count };
      }
    } catch (err) {
      if (!(err instanceof HandlerFailure)) throw err;
      this.prepared.delete(err.event.id); // its retry prepares it afresh
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

  /** Nothing readable: retry a dead letter an admin asked for, else wait (soon when blocked). */
  private async idle(blocked: boolean): Promise<StepResult> {
    return (await this.retryDeadLetter()) ? { processed: 1 } : { processed: 0, waitMs: Infinity, blocked };
  }

  /**
   * The prepare phase, without a transaction (so without a transaction id: it holds nobody's
   * horizon back): reads the checkpoint and the next events, and prepares the wanted ones the
   * inbox does not hold yet, in log order, PREPARE_CONCURRENCY at a time, starting no new one
   * after PREPARE_BUDGET_MS or after a failure. The plan ends before the first event left
   * unprepared. A failure on the plan's first event is that event's failed attempt.
   */
  private async prepareNext(limit: number): Promise<Planned | { kind: 'idle'; blocked: boolean }> {
    const db = this.transactions.client;
    const from = await peekCheckpoint(db, this.spec.name);
    const events = await readAfter(db, from, limit);
    if (events.length === 0) return { kind: 'idle', blocked: await eventsWaitAfter(db, from) };
    const failing = this.failing?.eventId === events[0].id ? this.failing : undefined;
    if (failing && failing.attempts >= this.maxAttempts) return { kind: 'planned', from, ids: [events[0].id] }; // to be dead-lettered, not prepared
    if (this.prepared.size > this.options.batchSize) this.prepared.clear();
    const wanted = events.filter((e) => this.wanted(e)).map((e) => e.id);
    const inboxed = new Set(
      wanted.length === 0
        ? []
        : (await db.query<{ event_id: string }[]>(`SELECT event_id FROM event_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])`, this.spec.name, wanted)).map((r) => r.event_id),
    );
    const needs = (e: LogEvent) => this.wanted(e) && !inboxed.has(e.id);
    const todo = events.filter((e) => needs(e) && !this.prepared.has(e.id));
    const started = Date.now();
    let next = 0;
    const failed: { first?: HandlerFailure } = {};
    const worker = async () => {
      while (next < todo.length && !failed.first && (next === 0 || Date.now() - started < PREPARE_BUDGET_MS)) {
        const event = todo[next++];
        try {
          this.prepared.set(event.id, await inEventContext(this.spec.name, event, () => this.spec.prepare!(event), 'prepare'));
        } catch (err) {
          const index = events.indexOf(event);
          const earlier = failed.first as HandlerFailure | undefined; // another worker may have set it meanwhile
          if (!earlier || index < earlier.index) failed.first = new HandlerFailure(index, event, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, todo.length) }, worker));
    let ready = 0;
    while (ready < events.length && (!needs(events[ready]) || this.prepared.has(events[ready].id))) ready++;
    if (ready === 0) throw failed.first!; // the first event needing a value has none: its prepare failed
    return { kind: 'planned', from, ids: events.slice(0, ready).map((e) => e.id) };
  }

  private async inTransaction(tx: Tx, limit: number, oneByOne: boolean, planned?: Planned): Promise<Outcome> {
    const checkpoint = await lockCheckpoint(tx, this.spec.name);
    if (!checkpoint) return { kind: 'locked' };
    if (planned && !samePoint(checkpoint, planned.from)) return { kind: 'moved' };
    const events = await readAfter(tx, checkpoint, limit);
    if (events.length === 0) return { kind: 'idle', blocked: await eventsWaitAfter(tx, checkpoint) };
    if (planned && events.some((e, i) => e.id !== planned.ids[i])) return { kind: 'moved' };
    const failing = this.failing;
    if (failing && failing.eventId !== events[0].id) this.failing = undefined; // moved on elsewhere (a retry, a rebuild)
    if (failing && failing.eventId === events[0].id && failing.attempts >= this.maxAttempts) {
      await this.deadLetter(tx, events[0], failing);
      await saveCheckpoint(tx, this.spec.name, events[0]);
      this.failing = undefined;
      return { kind: 'passed', count: 1, ids: [events[0].id] };
    }
    const wanted = events.filter((e) => this.wanted(e));
    if (this.spec.handleBatch && events.length > 1 && !oneByOne) {
      try {
        if (wanted.length) await this.spec.handleBatch(wanted);
      } catch (err) {
        throw new HandlerFailure(-1, events[0], err);
      }
    } else {
      // A subscriber's inbox: one statement for the batch; events it already holds are skipped.
      const fresh = this.spec.kind === 'subscriber' ? await this.claim(tx, wanted) : undefined;
      for (const [index, event] of events.entries()) {
        if (!this.wanted(event) || (fresh && !fresh.has(event.id))) continue;
        try {
          await this.deliverPrepared(event);
        } catch (err) {
          throw new HandlerFailure(index, event, err);
        }
      }
    }
    await saveCheckpoint(tx, this.spec.name, events[events.length - 1]);
    if (failing?.eventId === events[0].id) this.failing = undefined;
    return { kind: 'passed', count: events.length, ids: events.map((e) => e.id) };
  }

  /** Inserts the inbox rows of `events` for this subscriber; returns the ids that were not there yet. */
  private async claim(tx: Tx, events: readonly StoredEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = await tx.query<{ event_id: string }[]>(
      `INSERT INTO event_inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
      this.spec.name,
      events.map((e) => e.id),
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /** Calls `handle` with the event's prepared value (prepared now, inside the transaction, if the prepare phase did not: a rare fallback). */
  private async deliverPrepared(event: LogEvent): Promise<void> {
    if (!this.spec.prepare) return handleInContext(this.spec, event);
    const prepared = this.prepared.has(event.id) ? this.prepared.get(event.id) : await inEventContext(this.spec.name, event, () => this.spec.prepare!(event), 'prepare');
    return handleInContext(this.spec, event, prepared);
  }

  /**
   * Once nothing is readable: handles one dead letter an admin asked to retry (prepared outside
   * the transaction, as in a step). Success removes it; failure records the attempt and clears
   * the request.
   */
  private async retryDeadLetter(): Promise<boolean> {
    const rows = await this.transactions.client.query<(EventRow & { dead_letter_id: string })[]>(
      `SELECT d.id AS dead_letter_id, ${eventColumns('e')} FROM dead_letters d JOIN events e ON e.id = d.event_id
        WHERE d.consumer = $1 AND d.retry_requested_at IS NOT NULL
        ORDER BY d.event_position LIMIT 1`,
      this.spec.name,
    );
    if (!rows[0]) return false;
    const letter = rows[0].dead_letter_id;
    const event = toLogEvent(rows[0]);
    try {
      const prepared = this.spec.prepare ? await inEventContext(this.spec.name, event, () => this.spec.prepare!(event), 'prepare') : undefined;
      return await this.transactions.run(async (tx) => {
        const still = await tx.query<unknown[]>(`SELECT 1 FROM dead_letters WHERE id = $1::uuid AND retry_requested_at IS NOT NULL FOR UPDATE SKIP LOCKED`, letter);
        if (!still.length) return false;
        if (this.spec.kind !== 'subscriber' || (await this.claim(tx, [event])).size) await handleInContext(this.spec, event, prepared);
        await tx.execute(`DELETE FROM dead_letters WHERE id = $1::uuid`, letter);
        return true;
      });
    } catch (err) {
      await this.transactions.run((tx) =>
        tx.execute(
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
    await tx.execute(
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

/**
 * Runs `work` with the event's context, so events it appends carry the cause and trace: in a span
 * (`<consumer> <event type>`, `<consumer> prepare <event type>` for a subscriber's prepare phase;
 * kind CONSUMER) that continues the trace of the request that wrote the
 * event (its traceparent in the metadata), and with a request context whose cause is the event.
 */
function inEventContext<T>(consumer: string, event: StoredEvent, work: () => Promise<T>, phase?: 'prepare'): Promise<T> {
  const m = event.metadata;
  return runInTraceContext(
    m.traceparent,
    phase ? `${consumer} ${phase} ${event.type}` : `${consumer} ${event.type}`,
    () =>
      requestContext.run(
        // The handler's span; without one (tracing off), a span id of its own in the event's trace.
        { requestId: randomUUID(), actor: m.actor, correlationId: m.correlationId ?? event.id, causationId: event.id, traceparent: currentTraceparent() ?? childTraceparent(m.traceparent) },
        work,
      ),
    { 'messaging.consumer.group.name': consumer, 'messaging.message.id': event.id, 'event.type': event.type },
  );
}

/** Runs a handler with the event's context, so events it appends carry the cause and trace. */
export function handleInContext(spec: Pick<ConsumerSpec, 'name' | 'handle'>, event: StoredEvent, prepared?: unknown): Promise<void> {
  return inEventContext(spec.name, event, () => spec.handle(event, prepared));
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}
