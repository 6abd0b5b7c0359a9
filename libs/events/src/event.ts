/** Metadata every stored event carries: who caused it, in which request and trace. */
export interface EventMetadata {
  actor?: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  /** Set on the event a timer appended when it fired (docs/decisions/0071). */
  timer?: TimerFiring;
}

/** How a timer's event came to be: its key, when it was due, when it fired, how late. */
export interface TimerFiring {
  key: string;
  /** ISO 8601: the time the timer was scheduled for. */
  dueAt: string;
  /** ISO 8601: the scheduler's clock when it fired. */
  firedAt: string;
  /** firedAt - dueAt in milliseconds (0 or more). */
  delayMs: number;
  /** Fired more than the tolerance (TIMERS_LATE_TOLERANCE_MS) after it was due. */
  late: boolean;
}

/** An event as a command produces it. `aggregateVersion` is the aggregate's version after it. */
export interface NewEvent<P = unknown> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  payload: P;
  /** Merged over the metadata the event store takes from the request context (the timer scheduler's). */
  metadata?: Partial<EventMetadata>;
}

/** An event as the log holds it: `position` orders the log globally. */
export interface StoredEvent<P = unknown> extends NewEvent<P> {
  id: string;
  position: bigint;
  occurredAt: Date;
  metadata: EventMetadata;
}
