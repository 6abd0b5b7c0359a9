import type { NewEvent, StoredEvent } from '../event.js';

/**
 * Appends a command's events to the log. Must be called inside the command's unit of work, so
 * the events commit or roll back with its rows. A second event with the same
 * (aggregateId, aggregateVersion) fails with a conflict: optimistic concurrency.
 */
export abstract class EventStore {
  abstract append(events: readonly NewEvent[]): Promise<StoredEvent[]>;
}
