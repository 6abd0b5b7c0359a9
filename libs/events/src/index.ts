export * from './consumers/consumer.js';
export * from './event.js';
export * from './events.module.js';
export * from './ports/event-store.js';
