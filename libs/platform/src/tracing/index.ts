export * from './trace-context.js';
export { flushTracing } from './flush.js';
export { httpServerSpans } from './http-server-spans.js';
