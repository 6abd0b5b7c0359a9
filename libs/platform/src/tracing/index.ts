export * from './trace-context.js';
export { flushTracing } from './flush.js';
