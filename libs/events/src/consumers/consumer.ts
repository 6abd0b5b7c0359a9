import { SetMetadata } from '@nestjs/common';
import type { StoredEvent } from '../event.js';

/**
 * A read-model builder. The engine calls `handle` inside its own transaction and advances the
 * projector's checkpoint in that same transaction, so each event's effect lands exactly once.
 * Adapters join that transaction with `TransactionRunner.current()`.
 */
export abstract class Projector {
  /** Checkpoint key, unique across consumers, e.g. 'tasks_read'. */
  abstract readonly name: string;
  /** Types this projector handles; other events are skipped (the checkpoint still advances). */
  abstract readonly eventTypes: readonly string[];
  abstract handle(event: StoredEvent): Promise<void>;
  /**
   * Optional: handles a batch at once (e.g. one multi-row statement), for throughput when
   * catching up and rebuilding. The events are the ones of `eventTypes`, in log order; when it
   * throws, the engine retries the events one by one through `handle`.
   */
  handleBatch?(events: StoredEvent[]): Promise<void>;
  /** Deletes this projector's rows (rebuild calls it inside the rebuild transaction; use DELETE, not TRUNCATE). */
  abstract reset(): Promise<void>;
}

/**
 * A side effect (mail, webhook, enrichment): delivered at least once, made idempotent by the
 * engine's inbox (consumer, event id), recorded in the same transaction as `handle`'s own writes.
 * The engine hands a subscriber a batch of events per transaction, in log order.
 */
export abstract class Subscriber<Prepared = undefined> {
  abstract readonly name: string;
  abstract readonly eventTypes: readonly string[];
  /**
   * Optional: the slow part of the work (an HTTP call, a model), which must not run inside a
   * transaction: each open write transaction holds back every consumer's reading horizon
   * (docs/decisions/0010). The engine calls it outside any transaction, before the write
   * transaction that calls `handle(event, prepared)` with its result, and not for events the
   * inbox already holds. It may read (through `TransactionRunner.db`, on the pool here)
   * but should not write: its result can be discarded (a crash, a failure elsewhere in the batch)
   * and it can run again for the same event. A throw counts as a failed attempt of the event.
   * `handle` keeps log order, but the prepare of an event may run before the `handle` of the
   * events ahead of it in its batch: it must not rely on this subscriber's own earlier writes.
   */
  prepare?(event: StoredEvent): Promise<Prepared>;
  /** Inside the engine's transaction (adapters join it with `TransactionRunner.current()`): keep it short. */
  abstract handle(event: StoredEvent, prepared: Prepared): Promise<void>;
}

export const EVENT_CONSUMER = 'app:event-consumer';

/** Marks a provider (a Projector or Subscriber subclass) so that the engine discovers and runs it. */
export function EventConsumer(): ClassDecorator {
  return SetMetadata(EVENT_CONSUMER, true);
}
