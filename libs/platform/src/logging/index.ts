export * from './logging.module.js';
export { stdoutDestination } from './stdout-destination.js';
