export * from './logging.module.js';
export { ChunkedDestination, stdoutDestination } from './chunked-destination.js';
