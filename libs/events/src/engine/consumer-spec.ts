import type { StoredEvent } from '../event.js';

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

/** Whether `spec` consumes events of this type ('*': all). */
export function wantsType(spec: Pick<ConsumerSpec, 'eventTypes'>): (event: StoredEvent) => boolean {
  const types = new Set(spec.eventTypes);
  return types.has('*') ? () => true : (event) => types.has(event.type);
}
