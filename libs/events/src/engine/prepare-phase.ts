import type { Database } from '@app/platform';
import type { StoredEvent } from '../event.js';
import type { ConsumerSpec } from './consumer-spec.js';
import { prepareInContext } from './event-context.js';
import { HandlerFailure } from './event-failures.js';
import { eventsWaitAfter, type LogEvent, type LogPoint, peekCheckpoint, readAfter } from './event-log.js';
import { inboxedIds } from './event-inbox.js';
import type { FailureIsolation } from './failure-isolation.js';

/** What the prepare phase read: the write transaction expects the same checkpoint and the same events. */
export interface Planned {
  kind: 'planned';
  from: LogPoint;
  ids: string[];
}

/** A subscriber's `prepare` calls run this many at a time... */
const PREPARE_CONCURRENCY = 4;
/** ...and a step starts no new one after this long: it handles what it has prepared and commits. */
const PREPARE_BUDGET_MS = 1_000;

/**
 * A subscriber's prepare phase (docs/decisions/0016), run without a transaction (so without a
 * transaction id: it holds nobody's horizon back). Keeps the prepared values not committed yet,
 * by event id, so a batch retried for its prefix is not prepared twice.
 */
export class PreparePhase {
  private readonly prepared = new Map<string, unknown>();

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly wanted: (event: StoredEvent) => boolean,
    private readonly batchSize: number,
  ) {}

  /**
   * Reads the checkpoint and the next events, and prepares the wanted ones the inbox does not
   * hold yet, in log order, PREPARE_CONCURRENCY at a time, starting no new one after
   * PREPARE_BUDGET_MS or after a failure. The plan ends before the first event left unprepared.
   * A failure on the plan's first event is thrown: that event's failed attempt. An event whose
   * attempts are used up (`isolation`) is planned alone, unprepared, to be dead-lettered.
   */
  async plan(
    db: Database,
    limit: number,
    isolation: Pick<FailureIsolation, 'exhausted'>,
  ): Promise<Planned | { kind: 'idle'; blocked: boolean }> {
    const from = await peekCheckpoint(db, this.spec.name);
    const events = await readAfter(db, from, limit);
    if (events.length === 0) return { kind: 'idle', blocked: await eventsWaitAfter(db, from) };
    if (isolation.exhausted(events[0].id)) return { kind: 'planned', from, ids: [events[0].id] };
    if (this.prepared.size > this.batchSize) this.prepared.clear();
    const inboxed = await inboxedIds(
      db,
      this.spec.name,
      events.filter(this.wanted).map((e) => e.id),
    );
    const needs = (e: LogEvent) => this.wanted(e) && !inboxed.has(e.id);
    const failed = await this.prepareAll(
      events,
      events.filter((e) => needs(e) && !this.prepared.has(e.id)),
    );
    let ready = 0;
    while (ready < events.length && (!needs(events[ready]) || this.prepared.has(events[ready].id))) ready++;
    if (ready === 0) throw failed!; // the first event needing a value has none: its prepare failed
    return { kind: 'planned', from, ids: events.slice(0, ready).map((e) => e.id) };
  }

  /** Prepares `todo` (a subsequence of `events`); returns the failure earliest in `events`, if any. */
  private async prepareAll(events: LogEvent[], todo: LogEvent[]): Promise<HandlerFailure | undefined> {
    const started = Date.now();
    let next = 0;
    const failed: { first?: HandlerFailure } = {};
    const worker = async () => {
      while (next < todo.length && !failed.first && (next === 0 || Date.now() - started < PREPARE_BUDGET_MS)) {
        const event = todo[next++];
        try {
          this.prepared.set(event.id, await prepareInContext(this.spec, event));
        } catch (err) {
          const index = events.indexOf(event);
          const earlier = failed.first as HandlerFailure | undefined; // another worker may have set it meanwhile
          if (!earlier || index < earlier.index) failed.first = new HandlerFailure(index, event, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, todo.length) }, worker));
    return failed.first;
  }

  /** The event's prepared value, prepared now (inside the caller's transaction) if the phase did not: a rare fallback. */
  async valueFor(event: LogEvent): Promise<unknown> {
    if (this.prepared.has(event.id)) return this.prepared.get(event.id);
    return await prepareInContext(this.spec, event);
  }

  /** Drops prepared values: committed, or to be prepared afresh on retry. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.prepared.delete(id);
  }
}
