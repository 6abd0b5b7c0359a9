export * from './consumers/consumer.js';
export * from './event.js';
export * from './events.module.js';
export * from './ports/event-store.js';
export * from './events-engine.module.js';
export { EventsEngine } from './engine/events-engine.js';
export { EventSignal } from './engine/event-signal.js';
export { ProjectionRebuilder } from './engine/projection-rebuilder.js';
