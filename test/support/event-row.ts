import type { StoredEvent } from '../../libs/events/src/index';

/** An `events` row as a raw node-postgres query returns it (bigint `position` as a string). */
export interface RawEventRow {
  id: string;
  position: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  type: string;
  payload: StoredEvent['payload'];
  metadata: StoredEvent['metadata'];
  occurred_at: Date;
}

/** The event a raw `events` row holds, as the events engine hands it to consumers. */
export function storedEventOf(r: RawEventRow): StoredEvent {
  return {
    id: r.id,
    position: BigInt(r.position),
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    aggregateVersion: r.aggregate_version,
    type: r.type,
    payload: r.payload,
    metadata: r.metadata,
    occurredAt: r.occurred_at,
  };
}
