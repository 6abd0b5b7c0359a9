export * from './consumers/consumer.js';
export * from './event.js';
export * from './events.module.js';
export * from './ports/event-store.js';
export * from './events-engine.module.js';
export { EventsEngine } from './engine/events-engine.js';
export { EventSignal } from './engine/event-signal.js';
export { ProjectionRebuilder } from './engine/projection-rebuilder.js';
export * from './events-http.module.js';
export {
  ConsistencyTokenInterceptor,
  ConsistentRead,
  ConsistentReadGuard,
  STALE_HEADER,
} from './consistency/consistent-read.js';
export { CONSISTENCY_HEADER, formatToken, parseToken } from './consistency/consistency-token.js';
export { ProjectionWaiter } from './consistency/projection-waiter.js';
export type { LogPoint } from './engine/event-log.js';
export { toCloudEvent } from './publishing/integration-publisher.js';
