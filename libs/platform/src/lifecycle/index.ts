export * from './lifecycle.js';
export * from './readiness.js';
export * from './slow-route.js';
export * from './graceful-shutdown.js';
