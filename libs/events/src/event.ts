/** Metadata every stored event carries: who caused it, in which request and trace. */
export interface EventMetadata {
  actor?: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** An event as a command produces it. `aggregateVersion` is the aggregate's version after it. */
export interface NewEvent<P = unknown> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  payload: P;
}

/** An event as the log holds it: `position` orders the log globally. */
export interface StoredEvent<P = unknown> extends NewEvent<P> {
  id: string;
  position: bigint;
  occurredAt: Date;
  metadata: EventMetadata;
}
