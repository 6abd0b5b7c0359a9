export * from './trace-context.js';
export { flushTracing } from './flush.js';
export { HTTP_TRACER_NAME, traceHttpServer } from './http-spans.js';
