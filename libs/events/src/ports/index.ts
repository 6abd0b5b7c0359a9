/**
 * The events lib's published ports, imported as `@app/events/ports`: the abstract classes and the
 * envelope types a slice's application code may use. Everything else in the lib is the engine.
 */
export { EventStore } from './event-store.js';
export { Timers, type Timer, type TimerEvent } from './timers.js';
export type { EventMetadata, NewEvent, StoredEvent, TimerFiring } from '../event.js';
